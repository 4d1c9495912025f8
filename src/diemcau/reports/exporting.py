"""A report on paper and in Excel: XLSX (a sheet per table, ready to file), CSV."""

import io
from typing import Any

from diemcau import csvsafe

SHEET_NAME_MAX = 31


def to_xlsx(data: dict[str, Any]) -> bytes:
    """One sheet for the headline, one per table: bold frozen header, thousands separators."""
    out = io.BytesIO()
    book = csvsafe.xlsx_workbook(out, {"in_memory": True})
    bold = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF7"}
    )
    count = book.add_format({"num_format": "#,##0"})
    decimal = book.add_format({"num_format": "#,##0.0"})
    total = book.add_format({"bold": True, "num_format": "#,##0", "top": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    cover = book.add_worksheet("Tong hop")
    cover.set_column(0, 0, 110)
    cover.write_string(0, 0, f"Báo cáo: {data['node']['name']}", bold)
    cover.write_string(1, 0, data["headline"], wrap)
    cover.write_string(3, 0, f"Số liệu lúc {data['generated_at']}")
    if data.get("frozen"):
        frozen = data["frozen"]
        cover.write_string(4, 0, f"Đã chốt lúc {frozen['at']} bởi {frozen['by']}")

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
            _write_row(sheet, r, table["total"], total, total)
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
