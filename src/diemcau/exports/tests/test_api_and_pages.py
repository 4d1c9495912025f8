"""The exporters through the API, the pages and the CLI: a task, its progress, then its file."""

import io

import pytest
from click.testing import CliRunner

from diemcau.attendance.models import CheckIn
from diemcau.attendance.tests.helpers import world
from diemcau.conftest import HANOI, HUE
from diemcau.exports.tests.helpers import sheets
from diemcau.exports.tests.test_paperlist import xlsx


@pytest.fixture
def w(make_site):
    return world(make_site)


def test_the_api_lists_starts_and_serves_the_file(w, api_as, tmp_path):
    client = api_as("province_organiser", HANOI)
    listed = client.get("/api/v1/exports/").json()
    assert [e["identifier"] for e in listed] == ["delegates", "attendance", "learning"]
    assert listed[1]["formats"] == ["xlsx", "csv"]
    assert listed[1]["options"][0]["name"] == "conference"

    started = client.post(
        "/api/v1/exports/delegates",
        {"node": HANOI, "format": "xlsx"},
        content_type="application/json",
    )
    assert started.status_code == 202, started.content
    task = started.json()
    assert task["status"] == "done"  # tasks run inline in tests
    status = client.get(task["status_url"]).json()
    assert status["result"]["rows"] == 5
    response = client.get(status["file_url"])
    assert response.status_code == 200
    path = tmp_path / "f.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    (rows,) = sheets(path).values()
    assert len(rows) == 6

    by_get = client.get(f"/api/v1/exports/attendance?node={HANOI}&format=csv")
    assert by_get.status_code == 202
    assert by_get.json()["result"]["format"] == "csv"


def test_the_api_refuses_what_is_outside_or_wrong(w, api_as):
    client = api_as("province_organiser", HANOI)
    json = "application/json"
    assert (
        client.post("/api/v1/exports/delegates", {"node": HUE}, content_type=json).status_code
        == 404
    )
    assert client.post("/api/v1/exports/nothing", {}, content_type=json).status_code == 404
    bad = client.post("/api/v1/exports/delegates", {"format": "pdf"}, content_type=json)
    assert bad.status_code == 422 and "format" in bad.json()["fields"]
    mine = client.post("/api/v1/exports/delegates", {}, content_type=json).json()
    other = api_as("province_organiser", HUE)
    assert other.get(mine["status_url"]).status_code == 404
    assert other.get(f"/api/v1/exports/tasks/{mine['id']}/file").status_code == 404


def test_a_paper_list_through_the_api_dry_run_first(w, api_as):
    client = api_as("site_operator", "HK-A")
    session = w["session"]
    people = w["people"]
    content = xlsx([["Mã đại biểu", "Phiên"], [people["a1"].code, session.pk], ["???", session.pk]])

    def send(dry_run: bool):
        upload = io.BytesIO(content)
        upload.name = "ds.xlsx"
        return client.post("/api/v1/attendance/paper-list", {"file": upload, "dry_run": dry_run})

    trial = send(True).json()
    assert (trial["recorded"], trial["bad"], trial["written"]) == (1, 1, False)
    assert trial["errors"] == [{"row": 5, "reason": "???: không tìm thấy đại biểu."}]
    assert not CheckIn.objects.exists()
    assert send(False).json()["recorded"] == 1
    again = send(False).json()
    assert (again["recorded"], again["already"]) == (0, 1)
    assert CheckIn.objects.get().source == "list"

    upload = io.BytesIO(b"not a spreadsheet")
    upload.name = "ds.pdf"
    refused = client.post("/api/v1/attendance/paper-list", {"file": upload})
    assert refused.status_code == 422
    assert "Không đọc được loại tệp" in refused.json()["detail"]


def test_pages_export_and_bring_a_list_back(w, web_as):
    browser = web_as("site_operator", "HK-A")
    page = browser.get("/exports/")
    assert page.status_code == 200
    assert "HK-A" in page.content.decode()
    started = browser.post("/exports/delegates/", {"node": "HK-A", "format": "csv"})
    assert started.status_code == 302
    progress = browser.get(started["Location"])
    assert "/exports/file/" in progress.content.decode()
    file_url = started["Location"].replace("/tasks/", "/exports/file/")
    got = browser.get(file_url)
    assert got.status_code == 200
    assert b"".join(got.streaming_content).startswith(b"\xef\xbb\xbf")

    people, session = w["people"], w["session"]
    upload = io.BytesIO(xlsx([["Mã đại biểu"], [people["a2"].code]]))
    upload.name = "ds.xlsx"
    checked = browser.post(
        "/exports/paper-list/", {"file": upload, "session": session.pk, "dry_run": "on"}
    )
    assert checked.status_code == 302
    result = browser.get(checked["Location"]).content.decode()
    assert "paper-list/" in result and "/record/" in result
    assert not CheckIn.objects.exists()
    task_id = checked["Location"].rstrip("/").rsplit("/", 1)[1]
    recorded = browser.post(f"/exports/paper-list/{task_id}/record/")
    assert recorded.status_code == 302
    assert CheckIn.objects.get().delegate_id == people["a2"].pk


def test_viewers_cannot_bring_lists_in(w, web_as):
    browser = web_as("viewer", HANOI)
    assert browser.get("/exports/").status_code == 200
    assert browser.get("/exports/paper-list/").status_code == 403


def test_the_cli_exports_and_imports(w, tmp_path, settings):
    from diemcau.cli import main

    runner = CliRunner()
    out = tmp_path / "hn.xlsx"
    result = runner.invoke(main, ["export", "delegates", HANOI, "-o", str(out)])
    assert result.exit_code == 0, result.output
    (rows,) = sheets(out).values()
    assert len(rows) == 6
    result = runner.invoke(main, ["export", "delegates", "XX-none", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 1

    people, session = w["people"], w["session"]
    listing = tmp_path / "ds.csv"
    listing.write_text(f"Mã đại biểu\n{people['b1'].code}\n", encoding="utf-8")
    result = runner.invoke(
        main, ["import-attendance", str(listing), "--session", str(session.pk), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert not CheckIn.objects.exists()
    result = runner.invoke(main, ["import-attendance", str(listing), "--session", str(session.pk)])
    assert result.exit_code == 0, result.output
    assert CheckIn.objects.get().source == "list"
