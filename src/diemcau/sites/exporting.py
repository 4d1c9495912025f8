"""Export of sites to CSV or XLSX, and the XLSX template for imports.

Both formats are fed by one iterator of rows (pretix's list-exporter idea), with the very headers
and Vietnamese labels the import reads, so exporting and importing the file back changes nothing.
The scope is applied by `visible_sites`: a province organiser exports his province only.
"""

import io
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import QuerySet

from diemcau import csvsafe
from diemcau.accounts.scopes import Scope
from diemcau.sites.importing import (
    COLUMNS,
    CONNECTION_LABELS,
    HEADERS,
    KIND_LABELS,
    STATUS_LABELS,
)
from diemcau.sites.models import Site
from diemcau.sites.services import SiteFilters, visible_sites

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KEYS: tuple[str, ...] = tuple(COLUMNS)
# Columns Excel must keep as text: "00070" and "0912345678" lose their leading zero otherwise.
TEXT_KEYS = {"code", "unit", "contact_phone", "tech_phone"}
WIDTHS = {
    "code": 14,
    "name": 40,
    "unit": 11,
    "unit_name": 26,
    "province": 22,
    "kind": 16,
    "address": 36,
    "seats": 11,
    "host_organisation": 32,
    "contact_name": 22,
    "contact_phone": 15,
    "contact_email": 28,
    "tech_name": 22,
    "tech_phone": 15,
    "tech_email": 28,
    "connection": 28,
    "status": 14,
}


def site_rows(sites: QuerySet[Site]) -> Iterator[list[Any]]:
    """One list per site in the order of KEYS; seats stay an int (or None) for XLSX."""
    for site in sites.order_by("code").iterator(chunk_size=2000):
        yield [
            site.code,
            site.name,
            site.unit.code,
            site.unit.name,
            site.province.name if site.province_id and site.province else "",
            KIND_LABELS.get(site.kind, site.kind),  # type: ignore[call-overload]
            site.address,
            site.seats,
            site.host_organisation,
            site.contact_name,
            site.contact_phone,
            site.contact_email,
            site.tech_name,
            site.tech_phone,
            site.tech_email,
            CONNECTION_LABELS.get(site.connection, site.connection),  # type: ignore[call-overload]
            STATUS_LABELS.get(site.status, site.status),  # type: ignore[call-overload]
        ]


def export_sites(scope: Scope, filters: SiteFilters | None, fmt: str, out: IO[bytes]) -> int:
    """Write the sites `scope` may read (narrowed by `filters`) to `out`; return how many."""
    if fmt not in FORMATS:
        raise ValueError(f"Định dạng “{fmt}” không hỗ trợ; dùng csv hoặc xlsx.")
    rows = site_rows(visible_sites(scope, filters).select_related("unit", "province"))
    if fmt == "csv":
        return write_csv(rows, out)
    return write_xlsx(rows, out)


def write_csv(rows: Iterator[list[Any]], out: IO[bytes]) -> int:
    """CSV in UTF-8 with a BOM so Excel shows Vietnamese correctly when opening it.

    Through the shared safe writer: a name typed as "=HYPERLINK(…)" is exported as text.
    """
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    count = 0
    try:
        writer = csvsafe.writer(text)
        writer.writerow([HEADERS[k] for k in KEYS])
        for row in rows:
            writer.writerow(row)
            count += 1
        text.flush()
    finally:
        text.detach()
    return count


def write_xlsx(rows: Iterator[list[Any]], out: IO[bytes]) -> int:
    """XLSX streamed row by row (xlsxwriter constant_memory), bold frozen header, text codes."""
    workbook = csvsafe.xlsx_workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet("Điểm cầu")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    for col, key in enumerate(KEYS):
        sheet.set_column(col, col, WIDTHS[key], text if key in TEXT_KEYS else None)
        sheet.write_string(0, col, HEADERS[key], bold)
    sheet.freeze_panes(1, 0)
    count = 0
    try:
        for count, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, int):
                    sheet.write_number(count, col, value)
                else:
                    sheet.write_string(count, col, value, text if KEYS[col] in TEXT_KEYS else None)
    except BaseException:
        csvsafe.discard_workbook(workbook)
        raise
    sheet.autofilter(0, 0, max(count, 1), len(KEYS) - 1)
    workbook.close()
    return count


# -- the import template ---------------------------------------------------------------------
_EXAMPLE = {
    "code": "HN-00070-01",
    "name": "Hội trường UBND phường Hoàn Kiếm",
    "unit": "00070",
    "unit_name": "Phường Hoàn Kiếm",
    "province": "Thành phố Hà Nội",
    "kind": "Chính quyền",
    "address": "126 Hàng Trống, phường Hoàn Kiếm, Hà Nội",
    "seats": 120,
    "host_organisation": "UBND phường Hoàn Kiếm",
    "contact_name": "Nguyễn Văn An",
    "contact_phone": "0912345678",
    "contact_email": "lienhe@hoankiem.hanoi.gov.vn",
    "tech_name": "Trần Thị Bình",
    "tech_phone": "0987654321",
    "tech_email": "kythuat@hoankiem.hanoi.gov.vn",
    "connection": "Mạng truyền số liệu chuyên dụng",
    "status": "Đã đăng ký",
}


def _guide() -> list[tuple[str, str, str]]:
    """(column, required?, what to write) for the "Hướng dẫn" sheet."""
    kinds = ", ".join(KIND_LABELS.values())
    connections = ", ".join(CONNECTION_LABELS.values())
    statuses = ", ".join(STATUS_LABELS.values())
    return [
        (
            HEADERS["code"],
            "Bắt buộc",
            "Mã duy nhất của điểm cầu, tối đa 32 ký tự (chữ không dấu, số, . - _). "
            "Nếu mã đã có, dòng này cập nhật điểm cầu đó; nếu chưa có, tạo mới.",
        ),
        (HEADERS["name"], "Bắt buộc", "Tên điểm cầu, tối đa 255 ký tự."),
        (
            HEADERS["unit"],
            "Bắt buộc (hoặc cột Tên đơn vị)",
            "Mã đơn vị hành chính mới (sau 01/7/2025): tỉnh 2 số (01 = Hà Nội), xã/phường/"
            "đặc khu 5 số (00070 = Phường Hoàn Kiếm), cơ quan như TW.BNV, 01.TU. "
            "Có thể ghi tên đơn vị thay cho mã. Không dùng tên quận, huyện, thị xã cũ.",
        ),
        (
            HEADERS["unit_name"],
            "Không bắt buộc",
            "Tên đơn vị mới, có hoặc không có dấu, có hoặc không có chữ “Phường/Xã” ở đầu. "
            "Khi có cả mã và tên, hai cột phải chỉ cùng một đơn vị.",
        ),
        (
            HEADERS["province"],
            "Không bắt buộc",
            "Tỉnh/thành phố (34 tỉnh, thành phố mới), dùng để phân biệt các xã trùng tên.",
        ),
        (HEADERS["kind"], "Không bắt buộc", f"Một trong: {kinds}. Mặc định: Chính quyền."),
        (HEADERS["address"], "Không bắt buộc", "Địa chỉ nơi đặt điểm cầu."),
        (HEADERS["seats"], "Không bắt buộc", "Số nguyên, từ 0 đến 100.000."),
        (HEADERS["host_organisation"], "Không bắt buộc", "Cơ quan chủ trì điểm cầu."),
        (HEADERS["contact_name"], "Không bắt buộc", "Họ và tên người liên hệ."),
        (
            HEADERS["contact_phone"],
            "Không bắt buộc",
            "Số điện thoại Việt Nam: 0912345678, +84912345678 hoặc 024xxxxxxxx. "
            "Định dạng ô là Văn bản (Text) để Excel giữ số 0 đầu.",
        ),
        (HEADERS["contact_email"], "Không bắt buộc", "Địa chỉ email."),
        (HEADERS["tech_name"], "Không bắt buộc", "Họ và tên cán bộ kỹ thuật."),
        (HEADERS["tech_phone"], "Không bắt buộc", "Như cột số điện thoại liên hệ."),
        (HEADERS["tech_email"], "Không bắt buộc", "Địa chỉ email."),
        (HEADERS["connection"], "Không bắt buộc", f"Một trong: {connections}. Mặc định: Internet."),
        (HEADERS["status"], "Không bắt buộc", f"Một trong: {statuses}. Mặc định: Đã đăng ký."),
    ]


def write_template(out: IO[bytes]) -> None:
    """An XLSX to fill in: the header, one example row, drop-downs and a "Hướng dẫn" sheet."""
    workbook = csvsafe.xlsx_workbook(out)
    sheet = workbook.add_worksheet("Điểm cầu")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    choices = {
        "kind": list(KIND_LABELS.values()),
        "connection": list(CONNECTION_LABELS.values()),
        "status": list(STATUS_LABELS.values()),
    }
    for col, key in enumerate(KEYS):
        sheet.set_column(col, col, WIDTHS[key], text if key in TEXT_KEYS else None)
        sheet.write_string(0, col, HEADERS[key], bold)
        value = _EXAMPLE[key]
        if isinstance(value, int):
            sheet.write_number(1, col, value)
        else:
            sheet.write_string(1, col, value, text if key in TEXT_KEYS else None)
        if key in choices:
            sheet.data_validation(1, col, 20_000, col, {"validate": "list", "source": choices[key]})
    sheet.freeze_panes(1, 0)

    guide = workbook.add_worksheet("Hướng dẫn")
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    guide.set_column(0, 0, 26)
    guide.set_column(1, 1, 22)
    guide.set_column(2, 2, 90)
    guide.write_row(0, 0, ["Cột", "Bắt buộc?", "Cách ghi"], bold)
    for row, (column, required, how) in enumerate(_guide(), start=1):
        guide.write_row(row, 0, [column, required, how], wrap)
    notes = len(_guide()) + 2
    guide.write_string(
        notes,
        0,
        "Dòng tiêu đề có thể nằm dưới vài dòng tiêu đề văn bản (trong 15 dòng đầu). Dòng trống "
        "được bỏ qua. Khi có dòng lỗi, hệ thống báo từng dòng, từng cột và không ghi gì, trừ khi "
        "chọn bỏ qua dòng lỗi. Hãy xoá dòng ví dụ trước khi nhập.",
    )
    workbook.close()
