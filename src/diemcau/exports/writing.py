"""Writing a plan's rows as CSV or XLSX, in bounded memory whatever the number of rows.

CSV: UTF-8 with a BOM (Excel then reads Vietnamese correctly), dates as dd/mm/yyyy hh:mm.

XLSX: xlsxwriter writes ~19k rows/s even in constant_memory mode (79 s for 1.5 million rows of 8
columns here, DESIGN.md): it spends its time per cell in Python. So the bulk of the file — the
rows of each sheet — is written here as the sheet XML itself (inline strings, one f-string per
cell, ~5× faster), each sheet into its own temporary file, and xlsxwriter writes everything
else once, tiny: the workbook, styles, the header row in bold, frozen panes, filters, column
widths and number formats. `_assemble` then streams both into the final zip, the row data in
place of xlsxwriter's. Memory stays flat: a row at a time, the open temporary files, the zip's
buffer.

Past Excel's 1,048,576 rows, the rows go to one sheet per province (in row order, so every sheet
keeps the key order); a province past the limit continues on "<name> (2)".
"""

import csv
import datetime as dt
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings

from diemcau import csvsafe
from diemcau.exports.registry import CODE, DATE, DATETIME, FLOAT, INT, TEXT, Column, Plan, Progress

EXCEL_MAX_ROWS = 1_048_576  # rows per sheet, the header included; tests lower it
PROGRESS_EVERY = 20_000
CACHE_MAX = 20_000  # cells kept per repeating column (site names, our own words)
SHEET_NAME_MAX = 31
_EPOCH = dt.datetime(1899, 12, 30)
_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|^\s|\s$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_text(value: Any) -> str:
    """A datetime as Vietnamese readers write it, in Asia/Ho_Chi_Minh; a date as dd/mm/yyyy."""
    if isinstance(value, dt.datetime):
        return value.astimezone(zone()).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


# -- CSV -------------------------------------------------------------------------------------
def write_csv(out: IO[bytes], plan: Plan, progress: Progress | None = None) -> int:
    """The rows as CSV (UTF-8, BOM); returns the number of rows written.

    (Joining the cells by hand, with the repeating ones quoted once, measured no faster than the
    csv module's C writer.)
    """
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow(csvsafe.neutralise_row(c.header for c in plan.columns))
        when = [i for i, c in enumerate(plan.columns) if c.kind in (DATETIME, DATE)]
        n = 0
        writerow = writer.writerow
        for row in plan.rows:
            if when:
                cells = list(row)
                for i in when:
                    cells[i] = local_text(cells[i])
                writerow(cells)
            else:
                writerow(row)
            n += 1
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress(n, plan.total)
        text.flush()
    finally:
        text.detach()
    if progress is not None:
        progress(n, max(n, plan.total))
    return n


# -- XLSX ------------------------------------------------------------------------------------
def _letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def _escape(text: str) -> tuple[str, bool]:
    """XML text for a cell, and whether its spaces at the ends must be preserved."""
    text = _CONTROL.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text, text[:1].isspace() or text[-1:].isspace()


def _serial(value: Any) -> float:
    """Excel's serial day number of a datetime (shown in Asia/Ho_Chi_Minh) or a date."""
    if isinstance(value, dt.datetime):
        local = value.astimezone(zone()).replace(tzinfo=None) if value.tzinfo else value
        delta = local - _EPOCH
        return delta.days + delta.seconds / 86400
    return float((dt.datetime(value.year, value.month, value.day) - _EPOCH).days)


class _Sheet:
    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.rows = 1  # the header
        self.path = folder / f"{len(name)}-{id(self)}.xml"
        self.file = self.path.open("w", encoding="utf-8", buffering=1 << 20)


class _RowWriter:
    """One row of cells as sheet XML, `<row><c t="inlineStr"><is><t>…</t></is></c>…</row>`.

    Cells carry no `r` reference (optional in SpreadsheetML: a cell without one is the next
    column; an empty value is an empty `<c/>`), so a cell's XML does not depend on its row and
    the values that repeat — a site's name on each of its delegates' rows, "Vắng" — are built
    once and kept (bounded), instead of escaped and formatted on every row.
    """

    def __init__(self, columns: Sequence[Column], styles: Sequence[int]) -> None:
        self.cells: list[tuple[str, str, dict[Any, str] | None]] = [
            (c.kind, f' s="{s}"' if s else "", {} if c.repeats else None)
            for c, s in zip(columns, styles, strict=True)
        ]

    def xml(self, row: Sequence[Any]) -> str:
        out = ["<row>"]
        add = out.append
        for (kind, style, cache), value in zip(self.cells, row, strict=False):
            if value is None or value == "":
                add("<c/>")
                continue
            if cache is not None:
                fragment = cache.get(value)
                if fragment is None:
                    fragment = _cell(kind, style, value)
                    if len(cache) < CACHE_MAX:
                        cache[value] = fragment
                add(fragment)
            elif kind is CODE:
                add(f'<c t="inlineStr"{style}><is><t>{value}</t></is></c>')
            elif kind is INT or kind is FLOAT:
                add(f"<c{style}><v>{value}</v></c>")
            else:
                add(_cell(kind, style, value))
        add("</row>")
        return "".join(out)


def _cell(kind: str, style: str, value: Any) -> str:
    if kind is TEXT or kind is CODE:
        v = value if value.__class__ is str else str(value)
        if kind is TEXT and _ESCAPE.search(v):
            v, keep = _escape(v)
            if keep:
                return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{v}</t></is></c>'
        return f'<c t="inlineStr"{style}><is><t>{v}</t></is></c>'
    if kind is INT or kind is FLOAT:
        return f"<c{style}><v>{value}</v></c>"
    return f"<c{style}><v>{_serial(value)!r}</v></c>"  # DATETIME, DATE


def sheet_name(name: str, taken: set[str]) -> str:
    """A name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = "".join(ch for ch in name if ch not in "[]:*?/\\'")[:SHEET_NAME_MAX] or "Danh sach"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def write_xlsx(
    out: IO[bytes],
    plan: Plan,
    progress: Progress | None = None,
    *,
    max_rows: int | None = None,
) -> dict[str, int]:
    """The rows as an XLSX workbook; returns {sheet name: data rows}."""
    limit = (max_rows or EXCEL_MAX_ROWS) - 1  # data rows per sheet
    split = plan.total > limit
    folder = Path(tempfile.mkdtemp(prefix="diemcau-export-"))
    try:
        styles, skeleton_of = _formats(plan.columns)
        writer = _RowWriter(plan.columns, styles)
        taken: set[str] = set()
        sheets: list[_Sheet] = []
        current: dict[str, _Sheet] = {}
        key_at = plan.province_column
        single = None if split else _Sheet(sheet_name(plan.title, taken), folder)
        if single is not None:
            sheets.append(single)
        n = 0
        for row in plan.rows:
            if single is not None:
                sheet = single
            else:
                key = row[key_at]
                sheet = current.get(key)  # type: ignore[assignment]
                if sheet is None or sheet.rows > limit:
                    sheet = _Sheet(sheet_name(str(key), taken), folder)
                    sheets.append(sheet)
                    current[key] = sheet
            sheet.rows += 1
            sheet.file.write(writer.xml(row))
            n += 1
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress(n, plan.total + 1)
        if not sheets:
            sheets.append(_Sheet(sheet_name(plan.title, taken), folder))
        for sheet in sheets:
            sheet.file.close()
        _assemble(out, skeleton_of(sheets), sheets)
        if progress is not None:
            progress(n + 1, n + 1)
        return {s.name: s.rows - 1 for s in sheets}
    finally:
        for sheet in locals().get("sheets", []):
            sheet.file.close()
        shutil.rmtree(folder, ignore_errors=True)


def _formats(columns: Sequence[Column]) -> tuple[list[int], Any]:
    """The style index of each column's cells, and a function writing the workbook's skeleton.

    xlsxwriter numbers its formats when a workbook is written: a throwaway workbook with one
    cell per format gives the numbers the real skeleton will use (same formats, same order).
    """
    number_formats = {
        INT: "#,##0",
        FLOAT: "#,##0.0",
        DATETIME: "dd/mm/yyyy hh:mm",
        DATE: "dd/mm/yyyy",
    }

    def build(out: IO[bytes], sheets: Sequence[tuple[str, int]]) -> list[int]:
        book = csvsafe.xlsx_workbook(out, {"in_memory": True})
        header = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF7", "border": 1}
        )
        by_kind = {
            kind: book.add_format({"num_format": fmt}) for kind, fmt in number_formats.items()
        }
        formats = [by_kind.get(c.kind) for c in columns]
        last = len(columns) - 1
        for name, rows in sheets:
            ws = book.add_worksheet(name)
            for i, column in enumerate(columns):
                ws.set_column(i, i, column.width)
                ws.write_string(0, i, csvsafe.neutralise(column.header), header)
            # One cell per format, in row 2: it numbers the formats; the rows replace it.
            for i, fmt in enumerate(formats):
                if fmt is not None:
                    ws.write_number(1, i, 0, fmt)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(rows - 1, 1), last)
        book.close()
        return [0 if f is None else int(f.xf_index) for f in formats]

    styles = build(io.BytesIO(), [("x", 1)])

    def skeleton(sheets: Sequence[_Sheet]) -> bytes:
        buffer = io.BytesIO()
        build(buffer, [(s.name, s.rows) for s in sheets])
        return buffer.getvalue()

    return styles, skeleton


def _assemble(out: IO[bytes], skeleton: bytes, sheets: Sequence[_Sheet]) -> None:
    """Copy xlsxwriter's parts, each sheet's rows streamed in place of its placeholder row."""
    last = _letters(0)
    with (
        zipfile.ZipFile(io.BytesIO(skeleton)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            if match is None:
                target.writestr(info.filename, data)
                continue
            sheet = sheets[int(match.group(1)) - 1]
            xml = data.decode()
            head, rest = xml.split("<sheetData>", 1)
            rows, tail = rest.split("</sheetData>", 1)
            header = rows.split("</row>", 1)[0] + "</row>"
            last_col = re.findall(r'<c r="([A-Z]+)1"', header)
            last = last_col[-1] if last_col else last
            head = _DIMENSION.sub(f'<dimension ref="A1:{last}{sheet.rows}"/>', head)
            with target.open(info.filename, "w", force_zip64=True) as part:
                part.write((head + "<sheetData>" + header).encode())
                with sheet.path.open("rb") as body:
                    shutil.copyfileobj(body, part, 1 << 20)
                part.write(("</sheetData>" + tail).encode())
