"""The attendance dashboard and the Excel export, scoped like the summary they agree with."""

import io
import uuid

import pytest
from python_calamine import CalamineWorkbook

from diemcau.attendance.services import refresh_registered
from diemcau.attendance.tests.helpers import scan, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(api_as, make_site):
    w = world(make_site)
    refresh_registered()
    central = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    scans = [scan(p["a1"], sites["HK-A"], s), scan(p["b1"], sites["HK-A"], s)]
    scans.append(scan(p["h1"], sites["HUE-A"], s))
    central.post("/api/v1/checkins", {"scans": scans}, content_type="application/json")
    central.post(
        "/api/v1/sites/HK-B/headcounts",
        {"id": str(uuid.uuid4()), "session": s.pk, "count": 4},
        content_type="application/json",
    )
    return w


def sheet(content, name):
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(name).to_python()


def test_export_has_a_sheet_per_level_that_adds_up_to_the_summary(web_as, api_as, filled):
    session = filled["session"].pk
    client = web_as("central_organiser")
    response = client.get(f"/attendance/export.xlsx?unit=TW&session={session}")
    assert response.status_code == 200
    summary = api_as("central_organiser").get(f"/api/v1/attendance/summary?session={session}")
    totals = summary.json()
    for name, first_figure in (("Tỉnh", 2), ("Xã, cơ quan", 3), ("Điểm cầu", 3)):
        rows = sheet(response.content, name)[1:]
        present = sum(r[first_figure + 4] for r in rows)
        checked = sum(r[first_figure + 1] for r in rows)
        assert (checked, present) == (totals["checked_in"], totals["present"]), name
    sites = {r[0]: r for r in sheet(response.content, "Điểm cầu")[1:]}
    assert sites["HK-A"][4:8] == [2.0, 1.0, 0.0, 2.0]  # a1 and guest b1
    assert sites["HK-B"][6:8] == [4.0, 4.0]  # counted heads only


def test_province_organiser_exports_their_province_only(web_as, filled):
    hanoi = web_as("province_organiser", "01")
    response = hanoi.get("/attendance/export.xlsx")
    codes = {r[0] for r in sheet(response.content, "Điểm cầu")[1:]}
    assert "HUE-A" not in codes and "HK-A" in codes
    assert hanoi.get("/attendance/export.xlsx?unit=46").status_code == 404
    assert hanoi.get("/attendance/?unit=46").status_code == 404


def test_dashboard_drills_down_and_up(web_as, filled):
    client = web_as("central_organiser")
    page = client.get("/attendance/?unit=01").content.decode()
    assert "?unit=TW" in page  # up to the nation
    assert client.get("/attendance/").status_code == 200
    hanoi = web_as("province_organiser", "01")
    page = hanoi.get("/attendance/").content.decode()
    assert "?unit=TW" not in page  # a province organiser cannot go above their province


def test_an_import_recounts_the_registered_delegates_of_its_sites(make_site, api_as):
    from django.test import TestCase

    from diemcau.delegates.tests.helpers import csv_file

    make_site(code="REG-1")
    refresh_registered()  # counted once: 0 delegates; only a recount can see the import
    central = api_as("central_organiser")
    assert central.get("/api/v1/attendance/summary").json()["registered"] == 0
    data = csv_file([["REG-1", "Nguyễn Văn An", "001085012345", "", "", ""]])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = central.post("/api/v1/delegates/import", {"file": data})
    assert response.status_code == 200, response.content
    summary = central.get("/api/v1/attendance/summary").json()
    assert summary["registered"] == 1
