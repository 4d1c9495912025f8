"""Bulk import of sites: every bad row reported, nothing half-written, units never guessed."""

import csv
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from django.utils import translation

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.sites.importing import HEADERS, import_sites
from diemcau.sites.models import Site

pytestmark = pytest.mark.django_db

EVERYTHING = Scope(user_id=0, everything=True)
HEAD = [
    "Mã điểm cầu",
    "Tên điểm cầu",
    "Mã đơn vị",
    "Loại điểm cầu",
    "Số chỗ ngồi",
    "SĐT liên hệ",
    "Email liên hệ",
]


def write_csv(path: Path, rows: list[list[Any]], *, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    """Numbers stay numbers, as when Excel mangles "00070" into 70."""
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def errors_by_row(report: Any) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for e in report.errors:
        found.setdefault(e.row, []).append((e.column, e.message))
    return found


@pytest.fixture(autouse=True)
def _no_language_leak():
    yield
    translation.deactivate()  # the CLI activates Vietnamese for its thread


# -- happy path and cleaning -------------------------------------------------------------------
def test_good_file_creates_sites_with_cleaned_values(tmp_path):
    path = write_csv(
        tmp_path / "sites.csv",
        [
            HEAD,
            [
                "HK-01",
                "Hội trường phường Hoàn Kiếm",
                "00070",
                "Chính quyền",
                "120.0",
                "912345678",
                "LienHe@HoanKiem.VN",
            ],
            ["HK-02", "Nhà văn hoá", "Phường Hoàn Kiếm", "dang", "80", "+84 98 765 4321", ""],
            ["HUE-01", "Điểm cầu Huế", HUE, "", "", "84912000111", ""],
        ],
    )
    report = import_sites(EVERYTHING, path)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged, report.written) == (3, 0, 0, True)
    one = Site.objects.get(code="HK-01")
    assert one.unit.code == HOAN_KIEM and one.province.code == HANOI
    assert (one.kind, one.seats, one.contact_phone) == ("state", 120, "0912345678")
    assert one.contact_email == "lienhe@hoankiem.vn"
    two = Site.objects.get(code="HK-02")
    assert (two.kind, two.contact_phone, two.unit.code) == ("party", "0987654321", HOAN_KIEM)
    hue = Site.objects.get(code="HUE-01")
    assert (hue.unit.code, hue.province.code, hue.kind) == (HUE, HUE, "state")
    assert hue.contact_phone == "0912000111"
    assert report.summary().startswith("Đã nhập 3 dòng")


def test_existing_codes_are_updated_and_unchanged_rows_counted(tmp_path, make_site):
    old = make_site(HOAN_KIEM, code="A1", name="Cũ", seats=10)
    kept = make_site(HOAN_KIEM, code="A2", name="Giữ nguyên", seats=20)
    path = write_csv(
        tmp_path / "s.csv",
        [
            ["Mã điểm cầu", "Tên điểm cầu", "Mã đơn vị", "Số chỗ ngồi"],
            ["A1", "Mới", HOAN_KIEM, "15"],
            ["A2", "Giữ nguyên", HOAN_KIEM, "20"],
            ["A3", "Thêm", HOAN_KIEM, ""],
        ],
    )
    report = import_sites(EVERYTHING, path)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    a1 = Site.objects.get(code="A1")
    assert (a1.name, a1.seats) == ("Mới", 15)
    assert a1.updated_at > old.updated_at and a1.created_at == old.created_at
    assert Site.objects.get(code="A2").updated_at == kept.updated_at
    a3 = Site.objects.get(code="A3")
    assert a3.seats is None and a3.created_at is not None and a3.updated_at == a1.updated_at
    assert (a3.kind, a3.connection, a3.status) == ("state", "internet", "registered")


# -- bad rows ------------------------------------------------------------------------------------
def _bad_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "bad.csv",
        [
            HEAD,
            ["OK-1", "Điểm cầu tốt", HOAN_KIEM, "", "", "0912345678", ""],  # row 2
            ["BAD-1", "Số điện thoại sai", HOAN_KIEM, "", "", "12345", ""],  # row 3
            ["BAD-2", "", "99999", "", "nhiều", "", "khong-phai-email"],  # row 4
            ["OK-1", "Trùng mã", HOAN_KIEM, "", "", "", ""],  # row 5
            ["", "", "", "", "", "", ""],  # row 6: empty, skipped
            ["BAD-3", "Loại lạ", HOAN_KIEM, "vũ trụ", "", "", ""],  # row 7
            ["OK-2", "Cập nhật", HOAN_KIEM, "", "300", "", ""],  # row 8
        ],
    )


def test_bad_rows_are_all_reported_and_nothing_is_written(tmp_path, make_site):
    make_site(HOAN_KIEM, code="OK-2", name="Trước", seats=5)
    report = import_sites(EVERYTHING, _bad_file(tmp_path))
    assert not report.written
    assert report.total_rows == 6  # the empty row 6 is not counted
    rows = errors_by_row(report)
    assert sorted(rows) == [3, 4, 5, 7]
    assert [c for c, _ in rows[3]] == ["SĐT liên hệ"]
    assert "12345" in rows[3][0][1] and "số điện thoại" in rows[3][0][1]
    columns_4 = {c for c, _ in rows[4]}
    assert columns_4 == {"Tên điểm cầu", "Mã đơn vị", "Số chỗ ngồi", "Email liên hệ"}
    assert rows[5] == [("Mã điểm cầu", "Mã “OK-1” trùng với dòng 2.")]
    assert rows[7][0][0] == "Loại điểm cầu" and "Chính quyền" in rows[7][0][1]
    text = [e.describe() for e in report.errors]
    assert text[0].startswith("Dòng 3, cột “SĐT liên hệ”: ")
    assert "Không ghi gì" in report.summary()
    # Nothing written: neither the good new row nor the good update.
    assert not Site.objects.filter(code__in=["OK-1", "BAD-1", "BAD-3"]).exists()
    assert Site.objects.get(code="OK-2").seats == 5


def test_skip_bad_writes_only_the_good_rows(tmp_path, make_site):
    make_site(HOAN_KIEM, code="OK-2", name="Trước", seats=5)
    report = import_sites(EVERYTHING, _bad_file(tmp_path), skip_bad=True)
    assert report.written and report.ok
    assert (report.created, report.updated) == (1, 1)
    assert report.bad_rows == 4
    assert set(Site.objects.values_list("code", flat=True)) == {"OK-1", "OK-2"}
    assert Site.objects.get(code="OK-1").name == "Điểm cầu tốt"  # the first of the duplicates
    assert Site.objects.get(code="OK-2").seats == 300


def test_skip_bad_with_every_row_bad_says_nothing_was_imported_and_why(tmp_path):
    path = write_csv(
        tmp_path / "all-bad.csv",
        [
            HEAD,
            ["B-1", "Một", HOAN_KIEM, "", "", "12345", ""],  # row 2: phone
            ["B-2", "Hai", "99999", "", "", "", ""],  # row 3: unit
            ["B-3", "Ba", HOAN_KIEM, "", "", "999", ""],  # row 4: phone
        ],
    )
    for dry_run, skip_bad, verb in (
        (True, True, "Kiểm tra thử"),
        (False, True, "Không ghi gì"),
        (False, False, "Không ghi gì"),  # no advice to skip bad rows: nothing would be left
    ):
        report = import_sites(EVERYTHING, path, skip_bad=skip_bad, dry_run=dry_run)
        summary = report.summary()
        assert not report.ok and not report.written
        assert "Đã nhập" not in summary and "bỏ qua dòng lỗi" not in summary
        assert summary.startswith(f"{verb}: cả 3 trong 3 dòng đều có lỗi")
        assert "cột “SĐT liên hệ”: 2 lỗi" in summary and "ví dụ dòng 2:" in summary
    assert not Site.objects.exists()

    result = CliRunner().invoke(main, ["import", "sites", "--skip-bad", str(path)])
    assert result.exit_code == 1, result.output
    assert "không còn dòng đúng nào để nhập" in result.output


def test_skip_bad_summary_counts_only_the_rows_imported(tmp_path, make_site):
    make_site(HOAN_KIEM, code="OK-2", name="Trước", seats=5)
    report = import_sites(EVERYTHING, _bad_file(tmp_path), skip_bad=True)
    assert report.summary().startswith("Đã nhập 2 trong 6 dòng: tạo mới 1, cập nhật 1")
    empty = write_csv(tmp_path / "empty.csv", [HEAD])
    report = import_sites(EVERYTHING, empty)
    assert not report.written and "không có dòng điểm cầu nào" in report.summary()


def test_dry_run_writes_nothing_but_counts_what_would_happen(tmp_path, make_site):
    make_site(HOAN_KIEM, code="OK-2", name="Trước", seats=5)
    path = write_csv(
        tmp_path / "s.csv",
        [HEAD, ["OK-1", "Mới", HOAN_KIEM, "", "", "", ""], ["OK-2", "Sau", HOAN_KIEM]],
    )
    report = import_sites(EVERYTHING, path, dry_run=True)
    assert (report.created, report.updated, report.written, report.errors) == (1, 1, False, [])
    assert "Chưa ghi gì" in report.summary()
    assert not Site.objects.filter(code="OK-1").exists()
    assert Site.objects.get(code="OK-2").name == "Trước"

    bad = import_sites(EVERYTHING, _bad_file(tmp_path), dry_run=True)
    assert bad.bad_rows == 4 and not bad.written
    assert Site.objects.count() == 1


# -- messy spreadsheets --------------------------------------------------------------------------
def test_title_block_above_header_and_excel_row_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "s.xlsx",
        [
            ["ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"],
            [None, "DANH SÁCH ĐIỂM CẦU HỘI NGHỊ"],
            [],
            ["STT", "Mã điểm cầu", "Tên điểm cầu (*)", "Xã/phường", "Số điện thoại liên hệ"],
            [1, "T-1", "Điểm cầu 1", HOAN_KIEM, 912345678],  # row 5
            [2, "T-2", "Điểm cầu 2", HOAN_KIEM, "số lạ"],  # row 6
            [3],  # only the STT column: treated as empty
        ],
    )
    report = import_sites(EVERYTHING, path)
    assert report.header_row == 4 and report.total_rows == 2
    assert [e.describe()[:40] for e in report.errors] == [
        "Dòng 6, cột “Số điện thoại liên hệ”: “số"
    ]
    report = import_sites(EVERYTHING, path, skip_bad=True)
    assert Site.objects.get(code="T-1").contact_phone == "0912345678"


def test_nfd_text_and_headers_are_understood(tmp_path):
    def nfd(s: str) -> str:
        return unicodedata.normalize("NFD", s)

    path = write_csv(
        tmp_path / "mac.csv",
        [
            [nfd(h) for h in ["Mã điểm cầu", "Tên điểm cầu", "Đơn vị hành chính", "Trạng thái"]],
            ["N-1", nfd("Điểm cầu Hoàn Kiếm"), nfd("Phường Hoàn Kiếm"), nfd("Sẵn sàng")],
        ],
    )
    report = import_sites(EVERYTHING, path)
    assert report.errors == []
    site = Site.objects.get(code="N-1")
    assert site.name == "Điểm cầu Hoàn Kiếm"  # stored in NFC
    assert (site.unit.code, site.status) == (HOAN_KIEM, "ready")


def test_semicolon_csv_and_headers_without_diacritics(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [
            ["Ma diem cau", "Ten diem cau", "Xa phuong", "SDT ky thuat"],
            ["S-1", "Một", "70", "024 3825 6789"],
        ],
        delimiter=";",
    )
    report = import_sites(EVERYTHING, path)
    assert report.errors == []
    site = Site.objects.get(code="S-1")
    assert (site.unit.code, site.tech_phone) == (HOAN_KIEM, "02438256789")


def test_excel_mangled_numeric_codes(tmp_path):
    path = write_xlsx(
        tmp_path / "n.xlsx",
        [
            ["Mã điểm cầu", "Tên điểm cầu", "Mã đơn vị", "Tỉnh/thành phố", "SĐT liên hệ"],
            [1001, "Phường Hoàn Kiếm", 70, "", 912345678],  # row 2: 00070
            [1002, "Hà Nội", 1, "", "+84912345678"],  # row 3: province 01
            [1003, "Mã 4 mơ hồ", 4, "", ""],  # row 4: 04 Cao Bằng or 00004 Ba Đình?
            [1004, "Mã 4 + tỉnh", 4, "Hà Nội", ""],  # row 5: 00004 in Hà Nội
            [1005, "Số thực", 70.0, "", 84912345678],  # row 6
        ],
    )
    report = import_sites(EVERYTHING, path, skip_bad=True)
    rows = errors_by_row(report)
    assert list(rows) == [4]
    assert "04 (Tỉnh Cao Bằng)" in rows[4][0][1] and "00004" in rows[4][0][1]
    got = dict(Site.objects.values_list("code", "unit__code"))
    assert got == {"1001": HOAN_KIEM, "1002": HANOI, "1004": "00004", "1005": HOAN_KIEM}
    assert Site.objects.get(code="1001").contact_phone == "0912345678"
    assert Site.objects.get(code="1005").contact_phone == "0912345678"


# -- units by name -------------------------------------------------------------------------------
def _names_file(tmp_path: Path, names: list[tuple[str, str]]) -> Path:
    rows: list[list[Any]] = [["Mã điểm cầu", "Tên điểm cầu", "Tên đơn vị", "Tỉnh"]]
    rows += [[f"U-{i}", "Điểm cầu", unit, province] for i, (unit, province) in enumerate(names)]
    return write_csv(tmp_path / "names.csv", rows)


def test_names_with_or_without_diacritics_and_prefix(tmp_path):
    names = [
        ("Phường Hoàn Kiếm", ""),
        ("phuong hoan kiem", ""),
        ("Hoàn Kiếm", ""),
        ("HOAN KIEM", ""),
        ("P. Hoàn Kiếm", ""),
        ("Gia Lâm", "Hà Nội"),
        ("Thành phố Huế", ""),
    ]
    report = import_sites(EVERYTHING, _names_file(tmp_path, names))
    assert report.errors == []
    got = dict(Site.objects.values_list("code", "unit__code"))
    assert got == {
        "U-0": HOAN_KIEM,
        "U-1": HOAN_KIEM,
        "U-2": HOAN_KIEM,
        "U-3": HOAN_KIEM,
        "U-4": HOAN_KIEM,
        "U-5": "00565",
        "U-6": HUE,
    }


def test_district_era_and_unknown_names_are_reported_not_guessed(tmp_path):
    names = [
        ("Quận Hoàn Kiếm", ""),  # row 2
        ("Huyện Gia Lâm", ""),  # row 3
        ("Phường Hàng Trống", ""),  # row 4: a ward merged into Hoàn Kiếm in 2025
        ("Xã Không Có Thật", ""),  # row 5
        ("Xã Hoàn Kiếm", ""),  # row 6: wrong division word, no match
        ("Phường Hoàn Kiếm", "Tỉnh Hà Giang"),  # row 7: a pre-2025 province
        ("Phường Hoàn Kiếm", "Huế"),  # row 8: not in that province
    ]
    report = import_sites(EVERYTHING, _names_file(tmp_path, names))
    rows = errors_by_row(report)
    assert sorted(rows) == [2, 3, 4, 5, 6, 7, 8]
    for row in (2, 3, 4):
        column, message = rows[row][0]
        assert column == "Tên đơn vị"
        assert "trước sắp xếp năm 2025" in message and "mã hoặc tên đơn vị mới" in message
    # A hint (not a guess) where the 2025 tables give the successor of a unique old name.
    assert "nay thuộc: 00070 (Phường Hoàn Kiếm, Thành phố Hà Nội)" in rows[4][0][1]
    assert "nay thuộc" not in rows[2][0][1]  # a district was split among many communes
    assert "Không tìm thấy đơn vị “Xã Không Có Thật”" in rows[5][0][1]
    assert "Không tìm thấy" in rows[6][0][1]
    assert rows[7][0][0] == "Tỉnh" and "trước sắp xếp năm 2025" in rows[7][0][1]
    assert "nay thuộc: 08 (Tỉnh Tuyên Quang)" in rows[7][0][1]
    assert "không thuộc Thành phố Huế" in rows[8][0][1]
    assert not Site.objects.exists()


def test_ambiguous_name_lists_the_candidates_and_province_narrows_it(tmp_path):
    path = _names_file(tmp_path, [("Xã Tân Tiến", ""), ("Tân Tiến", "Tỉnh Lạng Sơn")])
    report = import_sites(EVERYTHING, path, skip_bad=True)
    rows = errors_by_row(report)
    assert list(rows) == [2]
    message = rows[2][0][1]
    assert "nhiều đơn vị" in message
    for code in ("01051", "06019", "12583", "16108"):
        assert code in message
    assert "Tỉnh/thành phố" in message
    assert Site.objects.get(code="U-1").unit.province.name == "Tỉnh Lạng Sơn"


# -- scope ---------------------------------------------------------------------------------------
def test_province_organiser_cannot_import_into_another_province(tmp_path, make_user, make_site):
    hue_site = make_site(first_commune(HUE).code, code="HUE-OLD", name="Huế cũ")
    scope = scope_for(make_user("province_organiser", HANOI))
    path = write_csv(
        tmp_path / "s.csv",
        [
            ["Mã điểm cầu", "Tên điểm cầu", "Mã đơn vị"],
            ["HN-1", "Hà Nội", HOAN_KIEM],  # row 2: fine
            ["HUE-1", "Huế mới", first_commune(HUE).code],  # row 3: outside
            ["HUE-OLD", "Đổi tên", HOAN_KIEM],  # row 4: existing site outside the scope
        ],
    )
    report = import_sites(scope, path)
    rows = errors_by_row(report)
    assert sorted(rows) == [3, 4]
    assert rows[3][0][0] == "Mã đơn vị" and "ngoài phạm vi" in rows[3][0][1]
    assert rows[4][0][0] == "Mã điểm cầu" and "ngoài phạm vi" in rows[4][0][1]
    assert not report.written and not Site.objects.filter(code="HN-1").exists()
    report = import_sites(scope, path, skip_bad=True)
    assert report.created == 1
    hue_site.refresh_from_db()
    assert hue_site.name == "Huế cũ" and hue_site.unit.province.code == HUE
    assert not Site.objects.filter(code="HUE-1").exists()


# -- broken files --------------------------------------------------------------------------------
def test_unreadable_files_get_a_clear_message(tmp_path):
    doc = tmp_path / "list.docx.pdf"
    doc.write_bytes(b"%PDF-1.4")
    report = import_sites(EVERYTHING, doc)
    assert not report.written and "Không đọc được loại tệp .pdf" in report.errors[0].message

    legacy = tmp_path / "ansi.csv"  # what "CSV (Comma delimited)" gives on a Windows PC
    legacy.write_bytes("Mã,Tên,Đơn vị\nA,Hà Nội,01\n".encode("cp1258", errors="replace"))
    report = import_sites(EVERYTHING, legacy)
    assert "UTF-8" in report.errors[0].message and "Không nhập được tệp" in report.summary()

    no_header = write_csv(tmp_path / "nh.csv", [["a", "b"], ["c", "d"]])
    report = import_sites(EVERYTHING, no_header)
    assert "Không tìm thấy dòng tiêu đề" in report.errors[0].describe()

    missing = write_csv(tmp_path / "m.csv", [["Mã điểm cầu", "Địa chỉ"], ["A", "x"]])
    report = import_sites(EVERYTHING, missing)
    assert report.errors[0].row == 1
    assert HEADERS["name"] in report.errors[0].message
    assert HEADERS["unit"] in report.errors[0].message


def test_utf16_csv_with_tabs(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_text(
        "Mã điểm cầu\tTên điểm cầu\tMã đơn vị\nW-1\tĐiểm cầu\t00070\n", encoding="utf-16"
    )
    report = import_sites(EVERYTHING, path)
    assert report.errors == [] and Site.objects.filter(code="W-1").exists()


def test_progress_is_reported(tmp_path):
    rows: list[list[Any]] = [["Mã điểm cầu", "Tên điểm cầu", "Mã đơn vị"]]
    rows += [[f"P-{i}", "Điểm cầu", HOAN_KIEM] for i in range(1200)]
    calls: list[tuple[int, int]] = []
    report = import_sites(
        EVERYTHING,
        write_csv(tmp_path / "p.csv", rows),
        dry_run=True,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert report.created == 1200
    assert calls == [(500, 1200), (1000, 1200), (1200, 1200)]


# -- CLI -----------------------------------------------------------------------------------------
def test_cli_exits_1_and_writes_nothing_on_bad_rows(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["import", "sites", str(_bad_file(tmp_path))])
    assert result.exit_code == 1, result.output
    assert "Dòng 3, cột “SĐT liên hệ”" in result.output
    assert "Không ghi gì" in result.output
    assert not Site.objects.exists()

    result = runner.invoke(main, ["import", "sites", "--skip-bad", str(_bad_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert set(Site.objects.values_list("code", flat=True)) == {"OK-1", "OK-2"}


def test_cli_dry_run_and_scope_by_user(tmp_path, make_user):
    make_user("province_organiser", HANOI, username="hn")
    path = write_csv(
        tmp_path / "s.csv",
        [["Mã điểm cầu", "Tên điểm cầu", "Mã đơn vị"], ["C-1", "Một", HOAN_KIEM]],
    )
    runner = CliRunner()
    result = runner.invoke(main, ["import", "sites", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "sẽ tạo mới 1" in result.output and not Site.objects.exists()
    result = runner.invoke(main, ["import", "sites", "--as-user", "hn", str(path)])
    assert result.exit_code == 0 and Site.objects.filter(code="C-1").exists()


def test_moving_a_site_needs_the_destination_in_scope(tmp_path, make_user, make_site):
    make_site(HOAN_KIEM, code="MV-1", name="Di chuyển")
    other_hanoi = first_commune(HANOI).code
    scope = scope_for(make_user("province_organiser", HANOI))
    head = ["Mã điểm cầu", "Tên điểm cầu", "Mã đơn vị"]
    to_hue = write_csv(tmp_path / "hue.csv", [head, ["MV-1", "Di chuyển", first_commune(HUE).code]])
    report = import_sites(scope, to_hue)
    assert [(e.row, e.column) for e in report.errors] == [(2, "Mã đơn vị")]
    assert Site.objects.get(code="MV-1").unit.code == HOAN_KIEM
    to_hanoi = write_csv(tmp_path / "hn.csv", [head, ["MV-1", "Di chuyển", other_hanoi]])
    report = import_sites(scope, to_hanoi)
    assert report.updated == 1 and report.written
    moved = Site.objects.get(code="MV-1")
    assert (moved.unit.code, moved.province.code) == (other_hanoi, HANOI)


def test_site_operator_updates_his_site_but_cannot_add_one(tmp_path, make_user, make_site):
    make_site(HOAN_KIEM, code="OP-1", name="Của tôi")
    scope = scope_for(make_user("site_operator", "OP-1"))
    head = ["Mã điểm cầu", "Tên điểm cầu", "Mã đơn vị", "Số chỗ ngồi"]
    path = write_csv(
        tmp_path / "op.csv",
        [head, ["OP-1", "Của tôi", HOAN_KIEM, "60"], ["OP-2", "Mới", HOAN_KIEM]],
    )
    report = import_sites(scope, path, skip_bad=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "Mã đơn vị")]
    assert report.updated == 1 and Site.objects.get(code="OP-1").seats == 60
    assert not Site.objects.filter(code="OP-2").exists()
