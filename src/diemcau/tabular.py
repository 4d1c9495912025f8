"""Reading spreadsheets people send us (XLSX, XLS, ODS or CSV) as rows of strings.

Imports of sites today and of delegates later share the same troubles: a title block above the
header, headers typed with or without diacritics, numbers that Excel turned into floats (120.0),
dates, CSV files saved in whatever encoding and delimiter the office PC uses. This module turns
any of them into `(row number, [cell, …])` with the row number the user sees in Excel, and finds
the header row by matching folded header names against a table of aliases.

Spreadsheets go through python-calamine (Rust, ~114k rows/s here, against ~17k for openpyxl);
CSV through the csv module, streamed.
"""

import codecs
import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from diemcau.textnorm import fold

Row = tuple[int, list[str]]
Source = str | Path | IO[bytes]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
HEADER_SCAN_ROWS = 15
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class TableError(ValueError):
    """The file cannot be read at all; the message is for the user, in Vietnamese."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


# -- reading ---------------------------------------------------------------------------------
def read_table(source: Source, filename: str | None = None) -> Iterator[Row]:
    """Yield (1-based row number, cells as stripped strings) from the first sheet or the CSV.

    `source` is a path or a binary file object (an upload); `filename` tells the type when the
    source is a file object. Raises TableError for an unknown type, a broken file or an encoding
    other than UTF-8/UTF-16.
    """
    name = filename or (str(source) if isinstance(source, str | Path) else "")
    data = _open_bytes(source)
    try:
        kind = _kind_of(name, data)
        if kind == "csv":
            yield from _read_csv(data)
        else:
            yield from _read_spreadsheet(data)
    finally:
        if isinstance(source, str | Path):
            data.close()


def _open_bytes(source: Source) -> IO[bytes]:
    if isinstance(source, str | Path):
        try:
            return Path(source).open("rb")
        except OSError as exc:
            raise TableError(f"Không mở được tệp {source}: {exc.strerror}") from None
    if hasattr(source, "seek"):
        source.seek(0)
    return source


def _kind_of(name: str, data: IO[bytes]) -> str:
    suffix = Path(name).suffix.lower() if name else ""
    head = data.read(8)
    data.seek(0)
    if suffix in SPREADSHEET_SUFFIXES or head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return "spreadsheet"
    if suffix in CSV_SUFFIXES:
        return "csv"
    shown = suffix or "(không có đuôi)"
    raise TableError(
        f"Không đọc được loại tệp {shown}: hãy gửi tệp Excel (.xlsx) hoặc CSV (.csv, UTF-8)."
    )


def _read_spreadsheet(data: IO[bytes]) -> Iterator[Row]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(data)
        if not workbook.sheet_names:
            return
        sheet = workbook.get_sheet_by_index(0)
        # iter_rows() starts at Excel's row 1 even when the used range starts lower down, so
        # enumerating gives the row numbers the user sees.
        for number, values in enumerate(sheet.iter_rows(), start=1):
            # Most cells are text: strip them inline, without a call per cell (~2× faster).
            yield number, [v.strip() if v.__class__ is str else cell_text(v) for v in values]
    except python_calamine.CalamineError as exc:
        raise TableError(f"Tệp Excel bị hỏng hoặc không đọc được ({exc}).") from None
    except (python_calamine.PasswordError, python_calamine.ZipError, python_calamine.XmlError):
        raise TableError(
            "Tệp Excel bị hỏng, có mật khẩu hoặc không phải tệp Excel; hãy lưu lại rồi gửi lại."
        ) from None


def cell_text(value: Any) -> str:  # noqa: PLR0911 - one return per cell type
    """One spreadsheet cell as the text a person typed: 120 not 120.0, dates in ISO form."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


def _read_csv(data: IO[bytes]) -> Iterator[Row]:
    head = data.read(64 * 1024)
    data.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
        # A cut in the middle of a multi-byte character at the end of the sample is fine.
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                raise _encoding_error() from None
    text = io.TextIOWrapper(data, encoding=encoding, errors="strict", newline="")
    try:
        sample = text.read(16 * 1024)
        text.seek(0)
        dialect = _sniff(sample)
        reader = csv.reader(text, dialect)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, [c.strip() for c in cells]
        except UnicodeDecodeError:
            raise _encoding_error(number + 1) from None
        except csv.Error as exc:
            raise TableError(f"Tệp CSV lỗi ở dòng {number + 1}: {exc}", number + 1) from None
    except UnicodeDecodeError:
        raise _encoding_error() from None
    finally:
        text.detach()


def _encoding_error(row: int = 0) -> TableError:
    where = f" (dòng {row})" if row else ""
    return TableError(
        f"Tệp CSV không ở bảng mã UTF-8{where}. Trong Excel hãy chọn "
        "“Lưu thành” → “CSV UTF-8 (Comma delimited)”, hoặc gửi tệp .xlsx.",
        row,
    )


def _sniff(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        # One column, or quoting the sniffer does not understand: count delimiters in line one.
        first = sample.split("\n", 1)[0]
        best = max(",;\t", key=first.count)

        class Guessed(csv.excel):
            delimiter = best

        return Guessed


# -- headers ---------------------------------------------------------------------------------
_PARENS = re.compile(r"\([^)]*\)|\[[^]]*\]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """A header as we compare it: folded, without notes in brackets, marks or punctuation.

    "Số ĐT liên hệ (*)" → "so dt lien he"; "Xã/Phường" → "xa phuong".
    """
    return _NON_WORD.sub(" ", _PARENS.sub(" ", fold(text))).strip()


@dataclass
class Header:
    """Where the header sits and which column holds which canonical key."""

    row: int
    columns: dict[str, int]  # canonical key → column index
    titles: dict[str, str]  # canonical key → header text as written in the file
    unknown: list[str] = field(default_factory=list)

    def cell(self, cells: list[str], key: str) -> str:
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return ""
        return cells[index]


def alias_index(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """{canonical key: [header, alias, …]} → {folded alias: canonical key}."""
    index: dict[str, str] = {}
    for key, names in aliases.items():
        for name in names:
            index[header_key(name)] = key
    return index


def find_header(
    rows: Iterator[Row], aliases: Mapping[str, str], *, scan: int = HEADER_SCAN_ROWS
) -> tuple[Header | None, Iterator[Row]]:
    """Find the header among the first `scan` rows: the row naming the most known columns.

    `aliases` maps folded alias → canonical key (see `alias_index`). Returns the header (None when
    no row names at least two known columns) and an iterator over the rows after it.
    """
    head = list(itertools.islice(rows, scan))
    best: Header | None = None
    best_at = -1
    for position, (number, cells) in enumerate(head):
        columns: dict[str, int] = {}
        titles: dict[str, str] = {}
        unknown: list[str] = []
        for index, text in enumerate(cells):
            if not text:
                continue
            key = aliases.get(header_key(text))
            if key is None:
                unknown.append(text)
            elif key not in columns:  # the first of two same-meaning columns wins
                columns[key] = index
                titles[key] = text
        if len(columns) >= 2 and (best is None or len(columns) > len(best.columns)):
            best = Header(row=number, columns=columns, titles=titles, unknown=unknown)
            best_at = position
    if best is None:
        return None, itertools.chain(head, rows)
    return best, itertools.chain(head[best_at + 1 :], rows)
