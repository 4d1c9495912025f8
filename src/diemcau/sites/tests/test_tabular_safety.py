"""Spreadsheets that would blow up python-calamine are refused before it opens them, and no
library's English error text reaches the person importing."""

import io
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from diemcau import tabular
from diemcau.tabular import TableError, read_table

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_CLOSE = b"</sheetData></worksheet>"


def _with_sheet(path: Path, write_sheet, *, level: int = 6) -> Path:
    """A real xlsxwriter workbook whose first sheet is replaced by `write_sheet(stream)`."""
    base = io.BytesIO()
    book = xlsxwriter.Workbook(base, {"in_memory": True})
    book.add_worksheet("Đại biểu").write_string(0, 0, "x")
    book.close()
    source = zipfile.ZipFile(io.BytesIO(base.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        for item in source.infolist():
            if item.filename != SHEET:
                out.writestr(item, source.read(item.filename))
        with out.open(SHEET, "w", force_zip64=True) as sheet:
            write_sheet(sheet)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~1.7 MB on disk, ~440 MB of sheet XML: 130,000 rows of 64 identical cells."""
    cells = '<c t="inlineStr"><is><t>Nguyễn Văn An</t></is></c>'.encode() * 64

    def write(sheet) -> None:
        sheet.write(_OPEN)
        for start in range(1, 130_001, 10_000):
            rows = range(start, start + 10_000)
            sheet.write(b"".join(b'<row r="%d">%s</row>' % (r, cells) for r in rows))
        sheet.write(_CLOSE)

    return _with_sheet(tmp_path_factory.mktemp("bomb") / "dai-bieu.xlsx", write, level=9)


def test_the_bomb_is_what_the_probe_sent(bomb: Path) -> None:
    with zipfile.ZipFile(bomb) as book:
        expanded = sum(i.file_size for i in book.infolist())
    assert bomb.stat().st_size < 2 * MB and expanded > 420 * MB


def test_an_xlsx_bomb_is_refused_without_the_worker_growing_past_300_mb(bomb: Path) -> None:
    """In a fresh process: read the bomb as an import does, report the peak resident memory.

    Unchecked, python-calamine takes this file to ~840 MB (measured: 836 MB peak)."""
    script = textwrap.dedent(
        f"""
        from diemcau.tabular import TableError, read_table
        try:
            rows = sum(1 for _ in read_table({str(bomb)!r}))
            print("READ", rows)
        except TableError as exc:
            print("REFUSED", exc.message)
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                print("PEAK_KB", line.split()[1])
        """
    )
    done = subprocess.run(  # noqa: S603 - our own script, run by this interpreter
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert "REFUSED" in lines, done.stdout
    assert "gấp hơn 100 lần" in lines["REFUSED"] and "Không đọc tệp Excel này" in lines["REFUSED"]
    assert int(lines["PEAK_KB"]) < 300 * 1024


def test_two_far_apart_cells_without_a_dimension_are_refused(tmp_path: Path) -> None:
    """calamine allocates the grid between the first and the last cell: 3.2 GB for these two."""

    def write(sheet) -> None:
        sheet.write(_OPEN)
        sheet.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>')
        sheet.write(b'<row r="100001"><c r="ALM100001"><v>1</v></c></row>')
        sheet.write(_CLOSE)

    path = _with_sheet(tmp_path / "far.xlsx", write)
    with pytest.raises(TableError, match=r"100\.001 dòng × 1\.001 cột"):
        list(read_table(path))


def test_a_lying_dimension_is_refused_at_once(tmp_path: Path) -> None:
    def write(sheet) -> None:
        sheet.write(_OPEN.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>'))
        sheet.write(_CLOSE)

    with pytest.raises(TableError, match=r"16\.384 cột"):
        list(read_table(_with_sheet(tmp_path / "dim.xlsx", write)))


_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _ods(path: Path, rows: str) -> Path:
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        f'xmlns:table="{table}" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="S">'
        f"{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _cell(text: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def test_an_ods_repeating_a_filled_row_a_million_times_is_refused(tmp_path: Path) -> None:
    row = (
        '<table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="100" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
    )
    with pytest.raises(TableError, match=r"1\.000\.000 dòng × 100 cột"):
        list(read_table(_ods(tmp_path / "rep.ods", row)))


def test_an_ods_as_libreoffice_saves_it_is_read(tmp_path: Path) -> None:
    """LibreOffice repeats empty cells and rows to the sheet's edge; they cost nothing."""
    filler = '<table:table-cell table:number-columns-repeated="1020"/>'
    rows = (
        f"<table:table-row>{_cell('Mã điểm cầu')}{_cell('Họ và tên')}{filler}</table:table-row>"
        f"<table:table-row>{_cell('HK-01')}{_cell('Lê Văn Cường')}{filler}</table:table-row>"
        f'<table:table-row table:number-rows-repeated="1048574">'
        f'<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    read = list(read_table(_ods(tmp_path / "real.ods", rows)))
    assert read[:2] == [(1, ["Mã điểm cầu", "Họ và tên"]), (2, ["HK-01", "Lê Văn Cường"])]


def test_a_real_delegate_sheet_passes_the_checks(tmp_path: Path) -> None:
    path = tmp_path / "dai-bieu.xlsx"
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("Đại biểu")
    sheet.write_row(0, 0, ["Mã điểm cầu", "Họ và tên", "Số CCCD", "Chức vụ", "Số điện thoại"])
    for r in range(1, 20_001):
        sheet.write_row(r, 0, ["HK-01", f"Người {r}", f"{r:012d}", "Chủ tịch", "0912345678"])
    book.close()
    with path.open("rb") as data:
        tabular.check_zip(data)
    assert sum(1 for _ in read_table(path)) == 20_001


# -- no English from libraries -------------------------------------------------------------------
def test_a_file_that_is_no_spreadsheet_gets_a_vietnamese_message(tmp_path: Path) -> None:
    path = tmp_path / "dai-bieu.xlsx"
    path.write_bytes(b"<html><body>not a workbook</body></html>" * 10)
    with pytest.raises(TableError) as raised:
        list(read_table(path))
    assert "Cannot detect file format" not in raised.value.message
    assert raised.value.message.startswith("Tệp Excel bị hỏng hoặc không phải tệp Excel")


def test_a_broken_zip_gets_a_vietnamese_message(tmp_path: Path) -> None:
    path = tmp_path / "dai-bieu.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(TableError, match="Tệp Excel bị hỏng"):
        list(read_table(path))


def test_an_endless_csv_cell_gets_a_vietnamese_message() -> None:
    data = io.BytesIO(b'Ma diem cau,Ho va ten\nHK-01,"' + b"x" * 200_000 + b"\n")
    with pytest.raises(TableError) as raised:
        list(read_table(data, "dai-bieu.csv"))
    message = raised.value.message
    assert "field larger than field limit" not in message
    assert message == (
        'Tệp CSV lỗi ở dòng 2: một ô dài hơn 131.072 ký tự, thường do một dấu ngoặc kép (") '
        "mở mà không đóng. Hãy sửa ô đó hoặc lưu lại tệp bằng Excel."
    )


def test_a_missing_file_gets_a_vietnamese_message(tmp_path: Path) -> None:
    with pytest.raises(TableError) as raised:
        list(read_table(tmp_path / "khong-co.csv"))
    assert raised.value.message == f"Không tìm thấy tệp {tmp_path / 'khong-co.csv'}."


def test_a_cell_past_excels_last_row_is_refused(tmp_path: Path) -> None:
    def write(sheet) -> None:
        sheet.write(_OPEN)
        sheet.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>')
        sheet.write(b'<row r="2"><c r="B2000000"><v>1</v></c></row>')  # row element lies
        sheet.write(_CLOSE)

    with pytest.raises(TableError, match=r"2\.000\.000 dòng × 2 cột"):
        list(read_table(_with_sheet(tmp_path / "deep.xlsx", write)))


def test_a_wide_sheet_is_counted_exactly_and_read(tmp_path: Path) -> None:
    """40 columns: the quick bound (999,999 rows × 40) is over the limit, the exact one is not."""
    path = tmp_path / "rong.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    for r in range(2_000):
        sheet.write_row(r, 0, [f"ô {r}-{c}" for c in range(40)])
    book.close()
    rows = list(read_table(path))
    assert len(rows) == 2_000 and rows[-1][1][39] == "ô 1999-39"
