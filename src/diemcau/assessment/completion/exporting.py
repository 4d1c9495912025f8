"""Completion in Excel for any node of the tree: one sheet per level, scoped like the API.

Sheets: provinces (for the nation), communes and bodies (above a commune), sites, and the
administrative level of the sites' units; figures from the same counters as the dashboard
(rollup.py), so the file and the page agree to the delegate. Headers are Vietnamese,
frozen, with thousands separators and the rate as a percentage.
"""

import io
from collections.abc import Iterable
from typing import Any

from diemcau import csvsafe
from diemcau.accounts.scopes import Scope
from diemcau.assessment.completion import counters
from diemcau.assessment.completion.rollup import counter_rows, rate, resolve_unit
from diemcau.units.models import Kind, Level

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    ("delegates", "Đại biểu"),
    ("attended", "Dự đủ số phiên"),
    ("quiz_passed", "Đạt bài kiểm tra"),
    ("report_graded", "Bài thu hoạch đã chấm"),
    ("report_passed", "Bài thu hoạch đạt"),
    ("completed", "Hoàn thành"),
)
WATCHED = "Xem lại (phút)"  # the last column: minutes of recordings watched (catch-up)
LEVEL_NAMES = {Level.CENTRAL: "Trung ương", Level.PROVINCE: "Cấp tỉnh", Level.COMMUNE: "Cấp xã"}


def site_lines(scope: Scope, conference_id: int, unit_code: str | None) -> list[dict[str, Any]]:
    """One line per site in scope under the node, with its unit, province and figures."""
    unit = resolve_unit(scope, unit_code)
    rows = counter_rows(scope, unit, conference_id)
    counters.refresh_stale(conference_id, None, rows.values("site_id"))
    return list(
        rows.values(
            "site__code", "site__name", "site__unit__code", "site__unit__name",
            "site__unit__level", "site__province__code", "site__province__name", *counters.COLUMNS,
        ).order_by("site__province__code", "site__unit__code", "site__code")
    )  # fmt: skip


def _group(lines: Iterable[dict[str, Any]], by: str) -> list[tuple[str, str, str, dict[str, int]]]:
    """(code, name, parent, figures + sites) per province, unit or level."""
    groups: dict[str, tuple[str, str, str, dict[str, int]]] = {}
    for line in lines:
        if by == "province" and line["site__province__code"]:
            code, name, parent = line["site__province__code"], line["site__province__name"], ""
        elif by == "level":
            code = line["site__unit__level"]
            name, parent = LEVEL_NAMES.get(code, code), ""
        else:
            code, name = line["site__unit__code"], line["site__unit__name"]
            parent = line["site__province__name"] or ""
        figures = groups.setdefault(code, (code, name, parent, dict.fromkeys(
            (*counters.COLUMNS, "sites"), 0)))[3]  # fmt: skip
        for key in counters.COLUMNS:
            figures[key] += line[key]
        figures["sites"] += 1
    return list(groups.values())


def to_xlsx(scope: Scope, conference_id: int, unit_code: str | None) -> bytes:
    unit = resolve_unit(scope, unit_code)
    lines = site_lines(scope, conference_id, unit.code)
    sheets: list[tuple[str, str, list[tuple[str, str, str, dict[str, int]]]]] = []
    if unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE:
        sheets.append(("Tỉnh", "", _group(lines, "province")))
    if unit.level != Level.COMMUNE:
        sheets.append(("Xã, cơ quan", "Tỉnh", _group(lines, "unit")))
    sites = [
        (line["site__code"], line["site__name"], line["site__unit__name"],
         {**{k: line[k] for k in counters.COLUMNS}, "sites": 1})
        for line in lines
    ]  # fmt: skip
    sheets.append(("Điểm cầu", "Đơn vị", sites))
    sheets.append(("Theo cấp", "", _group(lines, "level")))
    out = io.BytesIO()
    book = csvsafe.xlsx_workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "text_wrap": True})
    number = book.add_format({"num_format": "#,##0"})
    percent = book.add_format({"num_format": "0.0%"})
    for title, parent_title, rows in sheets:
        sheet = book.add_worksheet(title)
        columns = [
            "Mã", "Tên", *([parent_title] if parent_title else []),
            *(label for _k, label in COLUMNS), "Tỷ lệ hoàn thành", "Số điểm cầu", WATCHED,
        ]  # fmt: skip
        for c, name in enumerate(columns):
            sheet.write_string(0, c, name, head)
        sheet.set_row(0, 30)
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, 2 if parent_title else 1, 40)
        sheet.set_column(len(columns) - len(COLUMNS) - 3, len(columns) - 1, 14)
        sheet.freeze_panes(1, 2)
        for r, (code, name, parent, figures) in enumerate(rows, start=1):
            sheet.write_string(r, 0, str(code))
            sheet.write_string(r, 1, str(name))
            c = 2
            if parent_title:
                sheet.write_string(r, 2, str(parent))
                c = 3
            for key, _label in COLUMNS:
                sheet.write_number(r, c, figures[key], number)
                c += 1
            sheet.write_number(r, c, rate(figures["completed"], figures["delegates"]), percent)
            sheet.write_number(r, c + 1, figures["sites"], number)
            sheet.write_number(r, c + 2, round(figures["watched_s"] / 60), number)
    book.close()
    return out.getvalue()
