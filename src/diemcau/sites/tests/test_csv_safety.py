"""Formula cells (OWASP CSV injection) leave the sites exports as inert text: the shared CSV
writer, the sites CSV from the API and from `diemcau export sites`, and the sites XLSX."""

import csv
import io
import re

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from diemcau import csvsafe
from diemcau.cli import main
from diemcau.conftest import HOAN_KIEM

pytestmark = pytest.mark.django_db

# What a hostile or careless user can type into a name, a note or a phone number.
PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+1+1",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width equals sign
]
STARTS = tuple(csvsafe.FORMULA_STARTS)
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def assert_inert(rows: list[list[str]]) -> None:
    """No cell of a CSV a spreadsheet opens starts like a formula (a plain number may be < 0)."""
    for row in rows:
        for cell in row:
            assert NUMBER.fullmatch(cell) or not cell.startswith(STARTS), (cell, row)


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_shared_writer_quotes_formula_text_and_keeps_numbers():
    out = io.StringIO()
    csvsafe.writer(out).writerow([*PAYLOADS, "", None, "Hà Nội", "0912345678", 120, -5, 2.5])
    (row,) = parse(out.getvalue())
    assert row[: len(PAYLOADS)] == ["'" + p for p in PAYLOADS]
    assert row[len(PAYLOADS) :] == ["", "", "Hà Nội", "0912345678", "120", "-5", "2.5"]
    assert_inert([row])


@pytest.fixture
def hostile_sites(make_site):
    for i, payload in enumerate(PAYLOADS):
        make_site(
            HOAN_KIEM,
            code=f"X-{i}",
            name=payload,
            address=payload,
            contact_name=payload,
            contact_phone=payload[:20],  # a phone holds 20 characters
            tech_email=payload,
            seats=120,
        )


def _names_in(rows: list[list[str]]) -> list[str]:
    return [row[1] for row in rows[1:]]


def test_sites_csv_from_the_api_is_inert(api_as, hostile_sites):
    response = api_as("central_organiser").get("/api/v1/sites/export?format=csv")
    assert response.status_code == 200
    rows = parse(response.content.decode("utf-8"))
    assert_inert(rows)
    assert sorted(_names_in(rows)) == sorted("'" + p for p in PAYLOADS)
    assert rows[1][7] == "120"  # seats: a number stays a number


def test_sites_csv_from_the_cli_is_inert(make_user, hostile_sites, tmp_path):
    target = tmp_path / "diem-cau.csv"
    result = CliRunner().invoke(main, ["export", "sites", str(target)])
    assert result.exit_code == 0, result.output
    rows = parse(target.read_bytes().decode("utf-8"))
    assert_inert(rows)
    assert sorted(_names_in(rows)) == sorted("'" + p for p in PAYLOADS)


def test_sites_xlsx_holds_formula_text_as_text(api_as, hostile_sites):
    response = api_as("central_organiser").get("/api/v1/sites/export?format=xlsx")
    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    names = sorted(row[1] for row in sheet.to_python()[1:])
    # Text cells hold exactly what was typed; a formula cell would read back as its result.
    assert names == sorted(PAYLOADS)
    assert b"<f>" not in _sheet_xml(response.content)


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return b"".join(book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/"))


def test_xlsx_workbook_write_keeps_text_even_through_write():
    out = io.BytesIO()
    book = csvsafe.xlsx_workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("A")
    for r, payload in enumerate([*PAYLOADS, "http://x.example/a"]):
        sheet.write(r, 0, payload)
    book.close()
    assert b"<f>" not in _sheet_xml(out.getvalue())
    assert b"hyperlink" not in _sheet_xml(out.getvalue())
    rows = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue())).get_sheet_by_index(0)
    assert [r[0] for r in rows.to_python()] == [*PAYLOADS, "http://x.example/a"]


def test_a_sites_csv_export_imports_back_as_typed(api_as, make_site):
    from diemcau.accounts.scopes import Scope
    from diemcau.sites.importing import import_sites
    from diemcau.sites.models import Site

    for i, payload in enumerate(PAYLOADS):  # in the free-text columns the import accepts
        make_site(HOAN_KIEM, code=f"X-{i}", name=payload, address=payload, contact_name=payload)
    exported = api_as("central_organiser").get("/api/v1/sites/export?format=csv").content
    assert b"'=1+1" in exported
    Site.objects.filter(code__startswith="X-").update(name="đổi tên", address="")
    report = import_sites(Scope(user_id=0, everything=True), io.BytesIO(exported), filename="a.csv")
    assert report.ok, [e.message for e in report.errors]
    sites = Site.objects.filter(code__startswith="X-")
    typed = sorted(p.strip() for p in PAYLOADS)  # the import strips each cell
    assert sorted(sites.values_list("name", flat=True)) == typed
    assert sorted(sites.values_list("address", flat=True)) == typed


def test_every_exporter_goes_through_the_shared_writers():
    """A new CSV or XLSX writer in the product must use diemcau.csvsafe (tests may not)."""
    from pathlib import Path

    root = Path(csvsafe.__file__).parent
    bypass = re.compile(r"\bcsv\.(writer|DictWriter)\(|xlsxwriter\.Workbook\(")
    # Each exception says why its cells cannot run as formulas.
    allowed = {
        # The 1.5-million-row lists: every text cell is neutralised where the row is made
        # (exports/exporters.py, scoping.py), once, not again per cell in the writer;
        # exports/tests read the files back and find every formula inert.
        "exports/writing.py",
        # The demo's quiz bank, written by the program itself from constants, read back by the
        # import: no cell comes from a person.
        "simulation/living_demo.py",
    }
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "csvsafe.py"
        and bypass.search(path.read_text(encoding="utf-8"))
    ]
    assert sorted(set(offenders) - allowed) == []
