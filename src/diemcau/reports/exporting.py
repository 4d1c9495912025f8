"""A report on paper and in Excel: XLSX (a sheet per table, ready to file), CSV."""

import io
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from diemcau import csvsafe, vnformat

SHEET_NAME_MAX = 31


def to_xlsx(data: dict[str, Any]) -> bytes:
    """One sheet for the headline, one per table: bold frozen header, thousands separators.

    Numbers stay numbers and moments real date cells (local time, d/m/yyyy hh:mm), so a reader
    can add them up or sort them; the formats are vnformat's, as on the page and in the PDF."""
    out = io.BytesIO()
    book = csvsafe.xlsx_workbook(out, {"in_memory": True})
    bold = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF7"}
    )
    count = book.add_format({"num_format": vnformat.XLSX_INTEGER})
    decimal = book.add_format({"num_format": vnformat.XLSX_DECIMAL})
    total = book.add_format({"bold": True, "num_format": vnformat.XLSX_INTEGER, "top": 1})
    total_decimal = book.add_format({"bold": True, "num_format": vnformat.XLSX_DECIMAL, "top": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    when = book.add_format({"num_format": vnformat.XLSX_DATETIME, "align": "left"})

    cover = book.add_worksheet(_sheet_name(pgettext("report column", "Summary")))
    cover.set_column(0, 0, 110)
    cover.set_column(1, 1, 18)
    cover.write_string(0, 0, _("Report: %(name)s") % {"name": data["node"]["name"]}, bold)
    about = _("Conference: %(name)s") % {"name": data.get("conference", "")}
    if data.get("session"):
        about += " · " + _("Session: %(title)s") % {"title": data["session"]["title"]}
    cover.write_string(1, 0, about)
    cover.write_string(2, 0, data["headline"], wrap)
    cover.write_string(4, 0, _("Figures at"))
    cover.write_datetime(4, 1, vnformat.excel_datetime(data["generated_at"]), when)
    if data.get("frozen"):
        frozen = data["frozen"]
        cover.write_string(5, 0, _("Frozen by %(by)s at") % {"by": frozen["by"]})
        cover.write_datetime(5, 1, vnformat.excel_datetime(frozen["at"]), when)

    for table in data["tables"]:
        sheet = book.add_worksheet(_sheet_name(table["title"]))
        sheet.write_string(0, 0, table["title"], bold)
        header_row = 2
        for c, name in enumerate(table["columns"]):
            sheet.write_string(header_row, c, str(name), bold)
            sheet.set_column(c, c, 36 if c == 0 else 16)
        sheet.freeze_panes(header_row + 1, 1)
        r = header_row
        for row in table["rows"]:
            r += 1
            _write_row(sheet, r, row, count, decimal)
        if table.get("total"):
            r += 1
            _write_row(sheet, r, table["total"], total, total_decimal)
        if table.get("note"):
            sheet.write_string(r + 2, 0, table["note"], wrap)
    book.close()
    return out.getvalue()


def _write_row(sheet: Any, r: int, row: list[Any], count: Any, decimal: Any) -> None:
    for c, value in enumerate(row):
        if isinstance(value, bool) or value is None:
            sheet.write_blank(r, c, None)
        elif isinstance(value, int):
            sheet.write_number(r, c, value, count)
        elif isinstance(value, float):
            sheet.write_number(r, c, value, decimal)
        else:
            sheet.write_string(r, c, str(value))


def _sheet_name(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:SHEET_NAME_MAX]


def to_csv(data: dict[str, Any]) -> str:
    """Every table one after another, each under its title; UTF-8 with BOM for Excel.

    Through the shared safe writer: a unit or site name typed as a formula stays text.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csvsafe.writer(out)
    writer.writerow([data["headline"]])
    for table in data["tables"]:
        writer.writerow([])
        writer.writerow([table["title"]])
        writer.writerow(table["columns"])
        writer.writerows(table["rows"])
        if table.get("total"):
            writer.writerow(table["total"])
    return out.getvalue()
