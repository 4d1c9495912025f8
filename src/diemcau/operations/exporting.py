"""The call list as a file for the phone bank: XLSX (frozen header, filters, widths) or CSV.

The rows are the very rows of the page (`callsheet.iter_call_rows`, same scope, filters and
order), every one of them, not a page. Every text cell is user-typed (names, phones) and is kept
inert: XLSX cells are written as strings by a workbook that never turns text into a formula
(`csvsafe.xlsx_workbook`), CSV cells go through the shared safe writer (a leading quote). Phones
stay text, so "0912…" keeps its zero; the silence is a number of minutes, to sort and filter.
"""

import datetime as dt
import io
from collections.abc import Callable, Iterable
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from diemcau import csvsafe
from diemcau.accounts.scopes import Scope
from diemcau.operations import callsheet

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _columns() -> list[tuple[str, int, Callable[[dict[str, Any]], Any]]]:
    """(header, width, value) per column, in the order the phone bank reads them."""
    return [
        (_("Site code"), 16, lambda r: r["code"]),
        (_("Site name"), 40, lambda r: r["name"]),
        (_("Unit"), 28, lambda r: r["unit"]),
        (_("Province"), 24, lambda r: r["province"]),
        (_("Status"), 16, lambda r: r["state_label"]),
        (_("Cause"), 24, lambda r: r["cause"]),
        (_("Last seen"), 17, lambda r: _local(r["last_seen"])),
        (_("Silent (minutes)"), 12, lambda r: _minutes(r["silent_s"])),
        (_("Technical contact"), 24, lambda r: r["tech_name"]),
        (_("Technical phone"), 15, lambda r: r["tech_phone"]),
        (_("Contact person"), 24, lambda r: r["contact_name"]),
        (_("Contact phone"), 15, lambda r: r["contact_phone"]),
        (_("Open incident"), 10, lambda r: r["incident"]),
    ]


_TEXT_COLUMNS = {0, 9, 11}  # code and phones: text, or Excel drops the leading zero
_MINUTES_COLUMN = 7


def _local(when: dt.datetime | None) -> dt.datetime | None:
    if when is None:
        return None
    return when.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)


def _minutes(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds // 60)


def export(scope: Scope, filters: callsheet.CallFilters, now: float, fmt: str) -> tuple[bytes, int]:
    """The file's bytes and how many sites it lists."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    rows = callsheet.iter_call_rows(scope, filters, now)
    out = io.BytesIO()
    count = write_xlsx(rows, out) if fmt == "xlsx" else write_csv(rows, out)
    return out.getvalue(), count


def write_csv(rows: Iterable[dict[str, Any]], out: IO[bytes]) -> int:
    """UTF-8 with a BOM (Excel then shows Vietnamese right); times as 14/6/2025 07:30."""
    columns = _columns()
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    count = 0
    try:
        writer = csvsafe.writer(text)
        writer.writerow([title for title, _w, _v in columns])
        for row in rows:
            count += 1
            values = [value(row) for _t, _w, value in columns]
            writer.writerow(
                [
                    f"{v.day}/{v.month}/{v.year} {v:%H:%M}" if isinstance(v, dt.datetime) else v
                    for v in values
                ]
            )
        text.flush()
    finally:
        text.detach()
    return count


def write_xlsx(rows: Iterable[dict[str, Any]], out: IO[bytes]) -> int:
    """One sheet: bold frozen header, an autofilter over every row, widths for each column."""
    columns = _columns()
    book = csvsafe.xlsx_workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(_("Sites to call")[:31])
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = book.add_format({"num_format": "@"})
    when = book.add_format({"num_format": "d/m/yyyy hh:mm"})
    number = book.add_format({"num_format": "#,##0"})
    for col, (title, width, _value) in enumerate(columns):
        sheet.set_column(col, col, width, text if col in _TEXT_COLUMNS else None)
        sheet.write_string(0, col, title, head)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, (_title, _width, value) in enumerate(columns):
            cell = value(row)
            if cell is None or cell == "":
                continue
            if isinstance(cell, dt.datetime):
                sheet.write_datetime(count, col, cell, when)
            elif isinstance(cell, int):
                sheet.write_number(count, col, cell, number if col == _MINUTES_COLUMN else None)
            else:
                sheet.write_string(count, col, str(cell), text if col in _TEXT_COLUMNS else None)
    sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    book.close()
    return count
