"""A report's CSV and XLSX keep names typed as formulas as inert text (OWASP CSV injection)."""

import io

import pytest
from python_calamine import CalamineWorkbook

from diemcau.attendance.services import refresh_registered
from diemcau.attendance.tests.helpers import world
from diemcau.sites.models import Site
from diemcau.sites.tests.test_csv_safety import PAYLOADS, assert_inert, parse
from diemcau.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile(make_site):
    data = world(make_site)
    refresh_registered()
    # Province and site names reach the report's tables; make every one a formula.
    Unit.objects.filter(code="01").update(name=PAYLOADS[0])
    Unit.objects.filter(code="46").update(name=PAYLOADS[4])
    for site, payload in zip(Site.objects.order_by("code"), PAYLOADS[1:], strict=False):
        Site.objects.filter(pk=site.pk).update(name=payload)
    return data


def test_report_csv_is_inert(api_as, hostile):
    client = api_as("central_organiser")
    response = client.get(f"/api/v1/reports/TW?format=csv&session={hostile['session'].pk}")
    assert response.status_code == 200
    rows = parse(response.content.decode("utf-8"))
    assert_inert(rows)
    cells = {cell for row in rows for cell in row}
    assert "'" + PAYLOADS[0] in cells and "'" + PAYLOADS[4] in cells


def test_report_xlsx_holds_formula_text_as_text(api_as, hostile):
    client = api_as("central_organiser")
    response = client.get(f"/api/v1/reports/TW?format=xlsx&session={hostile['session'].pk}")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    cells = {
        cell
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for cell in row
    }
    assert PAYLOADS[0] in cells and PAYLOADS[4] in cells  # text as typed, not a formula result
    import zipfile

    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in xml for xml in sheets)
