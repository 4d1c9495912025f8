"""Reading spreadsheets people send us (XLSX, XLS, ODS or CSV) as rows of strings.

Imports of sites today and of delegates later share the same troubles: a title block above the
header, headers typed with or without diacritics, numbers that Excel turned into floats (120.0),
dates, CSV files saved in whatever encoding and delimiter the office PC uses. This module turns
any of them into `(row number, [cell, …])` with the row number the user sees in Excel, and finds
the header row by matching folded header names against a table of aliases.

Spreadsheets go through python-calamine (Rust, ~114k rows/s here, against ~17k for openpyxl);
CSV through the csv module, streamed.

Files are untrusted. python-calamine loads a whole sheet in memory, so an XLSX/ODS (a zip) is
inspected first (`check_zip`): a 1.6 MB file whose sheet expands to 420 MB once took a worker
from 180 MB to 1 GB. An upload already refused for its size (diemcau.uploads) is not read at
all. No library's English text reaches the user: csv, calamine and OS errors become Vietnamese
messages here, and the original is logged.
"""

import codecs
import csv
import datetime as dt
import io
import itertools
import logging
import operator
import re
import struct
import zipfile
import zlib
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
log = logging.getLogger(__name__)

# What an XLSX/ODS may expand to before python-calamine opens it. Measured with the delegate
# bench's writer (9 columns): 100,000 rows = 6.0 MB on disk, 48.6 MB expanded (ratio 8.1), so a
# full sheet (1,048,576 rows) expands to ~510 MB and a 1.5-million-row workbook (two sheets) to
# ~730 MB. Real sheets compress 6-10×; the 420 MB bomb compresses ~260×.
MAX_EXPANDED = 1024 * 1024 * 1024  # all parts together, as actually inflated
MAX_RATIO = 100  # expanded / compressed, for any part larger than RATIO_FLOOR
RATIO_FLOOR = 16 * 1024 * 1024  # small parts (styles, an empty sheet) may compress better
MAX_ENTRIES = 10_000  # a workbook has tens of parts
# rows × columns a sheet's <dimension> may declare: a full sheet (1,048,576 rows) of 24 columns;
# 1.5 million delegates of ~9 columns are 13.5 million cells over two sheets.
MAX_CELLS = 25_000_000
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384  # no real sheet goes past these
_DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"'
)
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")


class TableError(ValueError):
    """The file cannot be read at all; the message is for the user, in Vietnamese."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


# -- reading ---------------------------------------------------------------------------------
def read_table(
    source: Source, filename: str | None = None, *, unquote_formulas: bool = False
) -> Iterator[Row]:
    """Yield (1-based row number, cells as stripped strings) from the first sheet or the CSV.

    `source` is a path or a binary file object (an upload); `filename` tells the type when the
    source is a file object. Raises TableError for an unknown type, a broken file or an encoding
    other than UTF-8/UTF-16. `unquote_formulas`: a CSV cell our exports quoted ("'=1+1", see
    diemcau.csvsafe) reads back as typed ("=1+1"), so an export imports back unchanged; off by
    default, as it costs ~15 % of a CSV's reading time.
    """
    name = filename or (str(source) if isinstance(source, str | Path) else "")
    if not isinstance(source, str | Path):
        from diemcau import uploads

        if uploads.is_too_large(source):  # refused on the way in: never read it
            raise TableError(uploads.too_large_message(getattr(source, "size", None)))
    data = _open_bytes(source)
    try:
        kind = _kind_of(name, data)
        if kind == "csv":
            rows = _read_csv(data)
            yield from (_unquoted(rows) if unquote_formulas else rows)
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
            log.info("cannot open %s: %s", source, exc)
            raise TableError(_open_error(source, exc)) from None
    if hasattr(source, "seek"):
        source.seek(0)
    return source


def _open_error(source: str | Path, exc: OSError) -> str:
    """The OS's reason (English) as a Vietnamese sentence."""
    if isinstance(exc, FileNotFoundError):
        return f"Không tìm thấy tệp {source}."
    if isinstance(exc, PermissionError):
        return f"Không có quyền đọc tệp {source}."
    if isinstance(exc, IsADirectoryError):
        return f"{source} là một thư mục, không phải tệp."
    return f"Không mở được tệp {source} (lỗi hệ thống số {exc.errno})."


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

    head = data.read(4)
    data.seek(0)
    if head == _ZIP_MAGIC:  # XLSX, XLSM, XLSB, ODS; an XLS (OLE) is not compressed
        check_zip(data)
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
    except python_calamine.PasswordError:
        raise TableError("Tệp Excel có mật khẩu; hãy bỏ mật khẩu, lưu lại rồi gửi lại.") from None
    except Exception as exc:  # calamine's text ("Cannot detect file format") is English
        log.warning("spreadsheet not readable: %s: %s", type(exc).__name__, exc)
        raise TableError(
            "Tệp Excel bị hỏng hoặc không phải tệp Excel (.xlsx, .xls, .ods); hãy mở bằng Excel, "
            "lưu lại thành .xlsx rồi gửi lại, hoặc gửi tệp CSV UTF-8."
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
            log.info("csv error after row %d: %s", number, exc)
            raise TableError(_csv_error(str(exc), number + 1), number + 1) from None
    except UnicodeDecodeError:
        raise _encoding_error() from None
    finally:
        text.detach()


def _csv_error(reason: str, row: int) -> str:
    """The csv module's reason (English) as a Vietnamese sentence."""
    where = f"Tệp CSV lỗi ở dòng {row}: "
    if "field larger than field limit" in reason:
        limit = _number(csv.field_size_limit())
        return where + (
            f'một ô dài hơn {limit} ký tự, thường do một dấu ngoặc kép (") mở mà không đóng. '
            "Hãy sửa ô đó hoặc lưu lại tệp bằng Excel."
        )
    if "NUL" in reason:
        return where + (
            "tệp có ký tự NUL, có lẽ không phải tệp CSV văn bản. Hãy gửi tệp .xlsx hoặc lưu lại "
            "thành “CSV UTF-8”."
        )
    if "new-line character" in reason:
        return where + "có dấu xuống dòng lẫn trong một ô; hãy lưu lại tệp bằng Excel."
    return where + "sai định dạng CSV; hãy lưu lại thành “CSV UTF-8” hoặc gửi tệp .xlsx."


def _unquoted(rows: Iterator[Row]) -> Iterator[Row]:
    """Undo diemcau.csvsafe's quote: "'=1+1" → "=1+1"; any other cell as it is."""
    from diemcau.csvsafe import FORMULA_STARTS, QUOTE

    for number, cells in rows:
        if QUOTE not in "".join(cells):
            yield number, cells
        else:
            yield (
                number,
                [c[1:] if c[:1] == QUOTE and c[1:2] in FORMULA_STARTS else c for c in cells],
            )


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


# -- spreadsheet bombs -----------------------------------------------------------------------
def _number(n: int) -> str:
    """12345678 → "12.345.678", as Vietnamese readers write it."""
    return f"{n:,}".replace(",", ".")


def _mb(size: int) -> str:
    return _number(round(size / (1024 * 1024)))


def _bomb(detail: str) -> TableError:
    return TableError(
        f"Không đọc tệp Excel này: {detail} Tệp bảng tính thật không như vậy; hãy mở bằng Excel, "
        "xoá các dòng, cột trống ở cuối, lưu lại thành .xlsx hoặc gửi tệp CSV UTF-8."
    )


def check_zip(data: IO[bytes]) -> None:
    """Refuse an XLSX/ODS that would expand past the limits, before anything is parsed.

    The zip's central directory says how big each part claims to be; a forged directory could
    lie, so every part is also inflated once, counting bytes and keeping none, and stopped as
    soon as a limit is passed (with the cell-reference scan: ~0.28 s for the 48.6 MB of a
    100,000-row sheet, against ~1.07 s to read it; bench/bench_safe_files.py). Each
    worksheet's <dimension> and cell references give the grid calamine would allocate
    (`_Extent`). Leaves `data` at its start.
    """
    try:
        with zipfile.ZipFile(data) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise _bomb(
                    f"tệp gồm {_number(len(infos))} thành phần (tối đa {_number(MAX_ENTRIES)})."
                )
            declared = sum(i.file_size for i in infos)
            if declared > MAX_EXPANDED:
                raise _bomb(f"giải nén ra {_mb(declared)} MB (tối đa {_mb(MAX_EXPANDED)} MB).")
            total = 0
            for info in infos:
                total += _inflated_size(data, info, MAX_EXPANDED - total)
    except zipfile.BadZipFile as exc:
        log.info("bad zip: %s", exc)
        raise TableError(
            "Tệp Excel bị hỏng (không giải nén được); hãy mở bằng Excel, lưu lại rồi gửi lại."
        ) from None
    finally:
        data.seek(0)


def _inflated_size(
    data: IO[bytes], info: zipfile.ZipInfo, room: int, *, precise: bool = False
) -> int:
    """Inflate one part, counting; refuse past `room` bytes or past MAX_RATIO."""
    data.seek(info.header_offset)
    local = data.read(30)
    if len(local) < 30 or local[:4] != _ZIP_MAGIC:
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    data.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        chunks = _stored(data, left)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        chunks = _inflate(data, left)
    else:
        raise _bomb(f"phần {info.filename} được nén theo cách không hỗ trợ.")
    size = 0
    ratio_cap = max(RATIO_FLOOR, MAX_RATIO * max(info.compress_size, 1))
    extent: _Extent | _OdsExtent | None = None
    if _SHEET_PART.fullmatch(info.filename):
        extent = _Extent(precise=precise)
    elif info.filename == "content.xml":  # ODS: every sheet in one part
        extent = _OdsExtent()
    for chunk in chunks:
        size += len(chunk)
        if size > room:
            raise _bomb(f"giải nén ra hơn {_mb(MAX_EXPANDED)} MB.")
        if size > ratio_cap:
            kb = _number(max(info.compress_size // 1024, 1))
            raise _bomb(
                f"phần {info.filename} giải nén ra hơn {_mb(size)} MB từ {kb} KB "
                f"(gấp hơn {MAX_RATIO} lần)."
            )
        if extent is not None:
            extent.feed(chunk)
    if extent is not None and not extent.check():
        # The quick bound was not enough (a wide sheet): count every reference this time.
        _inflated_size(data, info, room, precise=True)
    return size


def _stored(data: IO[bytes], left: int) -> Iterator[bytes]:
    """The bytes of a part kept uncompressed, 1 MB at a time."""
    while left > 0:
        raw = data.read(min(1024 * 1024, left))
        if not raw:
            break
        left -= len(raw)
        yield raw


def _inflate(data: IO[bytes], left: int) -> Iterator[bytes]:
    """The inflated bytes of a raw deflate stream, 4 MB at a time (memory stays flat)."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        while left > 0 and not inflater.eof:
            raw = data.read(min(1024 * 1024, left))
            if not raw:
                break
            left -= len(raw)
            out = inflater.decompress(raw, 4 * 1024 * 1024)
            yield out
            while inflater.unconsumed_tail and not inflater.eof:
                yield inflater.decompress(inflater.unconsumed_tail, 4 * 1024 * 1024)
    except zlib.error as exc:
        raise zipfile.BadZipFile(str(exc)) from None


# A cell's reference, r="AB12": column letters and row digits (calamine reads no "$" there).
_CELL_REF = re.compile(rb' r="([A-Z]+)([0-9]+)"')
_WIDE_REF = re.compile(rb' r="([A-Z]{2,})[0-9]')  # columns past Z
_FAR_REF = re.compile(rb' r="[A-Z]+([0-9]{7,})"')  # rows from 1,000,000 on
# A single-letter reference past a letter: _PAST_LETTER[n] finds columns n+1 … Z (n = 0 … 25).
_PAST_LETTER = [re.compile(rb' r="[%c-Z][0-9]' % (65 + n)) for n in range(26)]
_NEAR_ROWS = 999_999  # the rows a reference without 7 digits can reach
_first, _second = operator.itemgetter(0), operator.itemgetter(1)


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


class _Extent:
    """The rows × columns python-calamine would allocate for one worksheet.

    calamine stores a sheet as a dense grid from its first to its last cell: two cells, A1 and
    ALM100001, in a 1 KB file make it allocate 3.2 GB and abort the process. The <dimension>
    near the top refuses most such files at once; since it may be missing or lie, the cell
    references are scanned too. Quick pass: the exact columns (a search for letters past the
    highest so far, a list of the rare references past Z) and the rows from 1,000,000 on; any
    other row is below 1,000,000 — enough for a sheet up to 25 columns (a delegate list has
    9-15). A wider sheet whose bound is over the limit is scanned again, every reference read
    (`precise`). Costs per 100,000 rows of 9 columns: quick ~0.1 s, precise ~0.25 s.
    """

    def __init__(self, *, precise: bool = False) -> None:
        self.precise = precise
        self.head = b""
        self.tail = b""
        self.rows = 0  # precise: the highest row; quick: the highest from 1,000,000 on
        self.columns: set[bytes] = set()  # precise: every column; quick: those past Z
        self.letter = 0  # quick: the highest single-letter column (A = 1)

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < 64 * 1024:
            self.head += chunk[: 64 * 1024]
            found = _DIMENSION.search(self.head)
            if found is not None:
                first_col, first_row, last_col, last_row = found.groups()
                rows = int(last_row or first_row) - int(first_row) + 1
                cols = _column_number(last_col or first_col) - _column_number(first_col) + 1
                self._refuse_past(rows, cols)
        text = self.tail + chunk
        self.tail = text[-32:]
        if self.precise:
            refs = _CELL_REF.findall(text)
            self.columns.update(map(_first, refs))
            numbers: set[bytes] = set(map(_second, refs))
            if numbers:
                width = len(max(numbers, key=len))
                self.rows = max(self.rows, *(int(r) for r in numbers if len(r) == width))
            return
        self.columns.update(_WIDE_REF.findall(text))
        while self.letter < 26:
            past = _PAST_LETTER[self.letter].search(text)
            if past is None:
                break
            self.letter = text[past.start() + 4] - 64
        far = _FAR_REF.findall(text)
        if far:
            self.rows = max(self.rows, *map(int, far))
        self._refuse_past(self.rows, self._columns())  # exact so far: already too many?

    def _columns(self) -> int:
        wide = max((_column_number(c) for c in self.columns), default=0)
        return max(wide, self.letter)

    def check(self) -> bool:
        """Refuse a grid past the limits; False when only a precise scan can tell."""
        cols = self._columns()
        if self.precise:
            self._refuse_past(self.rows, cols)
            return True
        rows = max(self.rows, _NEAR_ROWS if cols else 0)
        return rows * cols <= MAX_CELLS

    def _refuse_past(self, rows: int, cols: int) -> None:
        if rows * cols > MAX_CELLS or rows > EXCEL_MAX_ROWS or cols > EXCEL_MAX_COLUMNS:
            raise _bomb(
                f"một trang tính trải trên {_number(rows)} dòng × {_number(cols)} cột, "
                f"quá {_number(MAX_CELLS)} ô."
            )


_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


class _OdsExtent:
    """The grid python-calamine would allocate for an ODS sheet, from content.xml.

    ODS repeats a row or a cell with number-rows-repeated / number-columns-repeated: a 1 KB
    file with one filled row repeated a million times, 100 cells wide, aborts the process. The
    parser (expat, streamed) counts rows and columns up to the last filled cell, as calamine
    does; the empty rows and cells LibreOffice repeats to the sheet's edge cost nothing.
    """

    def __init__(self) -> None:
        from xml.parsers import expat

        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.rows = 0  # rows of the current table up to its last filled one
        self.row = 0  # rows seen in the current table, repeats included
        self.row_repeat = 1
        self.row_filled = False
        self.col = 0
        self.cols = 0  # widest filled extent of the current table
        self.row_cols = 0
        self.cell_repeat = 1
        self.cell_filled = False
        self.depth_in_cell = 0

    def feed(self, chunk: bytes) -> None:
        from xml.parsers import expat

        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError as exc:
            raise zipfile.BadZipFile(f"content.xml: {exc}") from None

    def check(self) -> bool:
        self._table_done()
        return True

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if self.depth_in_cell:
            self.depth_in_cell += 1
            self.cell_filled = True  # a paragraph, an annotation: something to show
            return
        if name == f"{_TABLE_NS} table":
            self._table_done()
        elif name == f"{_TABLE_NS} table-row":
            self.row_repeat = int(attrs.get(f"{_TABLE_NS} number-rows-repeated", "1") or 1)
            self.row_filled = False
            self.col = 0
            self.row_cols = 0
        elif name in (f"{_TABLE_NS} table-cell", f"{_TABLE_NS} covered-table-cell"):
            self.cell_repeat = int(attrs.get(f"{_TABLE_NS} number-columns-repeated", "1") or 1)
            self.cell_filled = f"{_OFFICE_NS} value-type" in attrs
            self.depth_in_cell = 1

    def _end(self, name: str) -> None:
        if self.depth_in_cell > 1:
            self.depth_in_cell -= 1
            return
        if self.depth_in_cell == 1:
            self.depth_in_cell = 0
            self.col += self.cell_repeat
            if self.cell_filled:
                self.row_filled = True
                self.row_cols = self.col
            return
        if name == f"{_TABLE_NS} table-row":
            self.row += self.row_repeat
            if self.row_filled:
                self.rows = self.row
                self.cols = max(self.cols, self.row_cols)
                self._refuse_past()

    def _table_done(self) -> None:
        self._refuse_past()
        self.rows = self.row = self.cols = 0

    def _refuse_past(self) -> None:
        if self.rows * self.cols > MAX_CELLS:
            raise _bomb(
                f"một trang tính trải trên {_number(self.rows)} dòng × {_number(self.cols)} "
                f"cột, quá {_number(MAX_CELLS)} ô."
            )


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
