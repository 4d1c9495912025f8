"""Files a spreadsheet opens (CSV, XLSX) with every user-typed cell kept as inert text.

A site name, a note or a phone number typed as `=HYPERLINK("http://x","y")`, `+1+1`,
`@SUM(A1)` or `=cmd|' /C calc'!A0` is run as a formula by Excel or LibreOffice when the
exported CSV is opened (OWASP "CSV injection"). Every CSV the product writes goes through
`writer()` here, which prefixes such a cell with a single quote: the spreadsheet then holds
it as text, quote in front, and runs nothing. Our own sites import takes the quote off again
(`tabular.read_table(unquote_formulas=True)`), so an export still imports back unchanged.

Which cells: a *string* whose first character is = + - @, a tab or a carriage return (OWASP's
list), or their full-width forms (＝ ＋ － ＠), which some spreadsheet locales also read as
formula starts. Numbers that we write from numeric columns (int, float, Decimal — seats,
counts, percentages, negative ones included) stay numbers: they come from the database as
numbers, never from text a user typed, so they cannot carry a formula. A *string* such as "-2"
is quoted like any other: telling a harmless "-2" from "-2+3" by parsing would be a second
formula grammar to get right, and no exported text column holds signed numbers.

XLSX: xlsxwriter's `write()` turns any string starting with "=" into a formula and any
"http://…" into a hyperlink. `xlsx_workbook()` opens a workbook with both conversions off, so a
`write()` of user text stores text, whatever the caller; exporters should still prefer
`write_string` for text.
"""

import csv
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]

# First characters a spreadsheet reads as the start of a formula (OWASP + full-width forms).
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
QUOTE = "'"


def neutralise(value: Any) -> Any:
    """One cell, made inert: a formula-like string gets a leading quote, anything else as is."""
    if value.__class__ is str and value and value[0] in FORMULA_STARTS:
        return QUOTE + value
    return value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    """A row of cells made inert; None becomes an empty cell (as csv.writer writes it)."""
    starts = FORMULA_STARTS
    return [
        (QUOTE + v if v and v[0] in starts else v)
        if v.__class__ is str
        else ("" if v is None else _other(v))
        for v in row
    ]


def _other(value: Any) -> Any:
    """Non-string cells: numbers and booleans as they are, anything else through str()."""
    if isinstance(value, int | float | Decimal):
        return value
    return neutralise(str(value))


class SafeWriter:
    """csv.writer with every row made inert first; same writerow/writerows interface."""

    def __init__(self, out: IO[str], dialect: str | type[csv.Dialect] = "excel", **fmt: Any):
        self._writer = csv.writer(out, dialect, **fmt)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(neutralise_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        write = self._writer.writerow
        for row in rows:
            write(neutralise_row(row))


def writer(out: IO[str], dialect: str | type[csv.Dialect] = "excel", **fmt: Any) -> SafeWriter:
    """The one CSV writer of the product: like `csv.writer`, but no cell runs as a formula."""
    return SafeWriter(out, dialect, **fmt)


def xlsx_workbook(out: Any, options: dict[str, Any] | None = None) -> Any:
    """An xlsxwriter Workbook whose `write()` never turns text into a formula or a link."""
    return xlsxwriter.Workbook(
        out, {**(options or {}), "strings_to_formulas": False, "strings_to_urls": False}
    )


def discard_workbook(book: Any) -> None:
    """Close and remove what a constant_memory workbook keeps on disk when writing it failed.

    xlsxwriter closes each sheet's row file only in `close()`, which a failed export never
    reaches (rows read lazily: a filter PostgreSQL refuses fails in the middle of the file), so
    the file stayed open until the garbage collector found it, and a temporary file stayed in
    /tmp."""
    for sheet in book.worksheets():
        handle = getattr(sheet, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()
        name = getattr(sheet, "row_data_filename", None)
        if name:
            Path(name).unlink(missing_ok=True)
