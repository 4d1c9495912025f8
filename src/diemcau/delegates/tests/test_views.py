"""Delegate pages: lists and details by role and scope, editing, revocation, import, badges."""

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils.translation import trans_real

from diemcau.accounts.scopes import Scope
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.delegates import services
from diemcau.delegates.badge_token import parse, payload_for, verify
from diemcau.delegates.importing import import_delegates
from diemcau.delegates.models import Delegate
from diemcau.delegates.tests.helpers import csv_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("delegates_catalogue")]

WebAs = Callable[..., Client]
EVERYTHING = Scope(user_id=0, everything=True)
PACKAGE = Path(__file__).resolve().parents[2]  # src/diemcau


@pytest.fixture(scope="session")
def delegates_catalogue() -> Iterator[None]:
    """Compile the Vietnamese catalogues when the delegates one is newer than its .mo file."""
    po = PACKAGE / "delegates" / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with contextlib.chdir(PACKAGE):
            call_command("compilemessages", locale=["vi"], verbosity=0)
        trans_real._translations = {}
        trans_real._default = None
        trans_real.translation_catalog_exists.cache_clear()
    yield


@pytest.fixture
def people(make_site: Any) -> dict[str, Delegate]:
    """Two sites in Hà Nội and one in Huế, one delegate each (by site code)."""
    make_site(HOAN_KIEM, code="HK-01", name="Hội trường Hoàn Kiếm")
    make_site(HOAN_KIEM, code="HK-02", name="Nhà văn hoá Hàng Bạc")
    make_site(first_commune(HUE).code, code="HUE-01", name="Hội trường Huế")
    data = csv_file(
        [
            ["HK-01", "Nguyễn Văn An", "001085012345", "Chủ tịch UBND"],
            ["HK-02", "Trần Thị Bình", "001190054321"],
            ["HUE-01", "Hồ Văn Huế", "046085007890"],
        ]
    )
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert report.written
    return {d.site.code: d for d in Delegate.objects.select_related("site")}


def listed(response: Any) -> list[str]:
    assert response.status_code == 200
    return sorted(d.full_name for d in response.context["page"].items)


def test_operator_sees_only_their_own_site(web_as: WebAs, people: dict[str, Delegate]) -> None:
    client = web_as("site_operator", "HK-01")
    page = client.get("/delegates/")
    assert listed(page) == ["Nguyễn Văn An"]
    assert "Đại biểu" in page.content.decode()
    assert listed(client.get("/delegates/?site=HK-02")) == []
    assert client.get(f"/delegates/{people['HK-01'].code}/").status_code == 200
    assert client.get(f"/delegates/{people['HK-02'].code}/").status_code == 404
    assert client.get(f"/delegates/{people['HUE-01'].code}/").status_code == 404


def test_province_organiser_sees_their_province_only(
    web_as: WebAs, people: dict[str, Delegate]
) -> None:
    client = web_as("province_organiser", HANOI)
    assert listed(client.get("/delegates/")) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert listed(client.get("/delegates/?site=HK-02")) == ["Trần Thị Bình"]
    assert listed(client.get(f"/delegates/?province={HUE}")) == []
    assert listed(client.get("/delegates/?q=binh")) == []  # names match with their diacritics
    assert listed(client.get("/delegates/?q=Bình")) == ["Trần Thị Bình"]
    typed = people["HK-02"].code.lower()  # a code as typed, looked up on its index
    assert listed(client.get(f"/delegates/?q={typed}")) == ["Trần Thị Bình"]
    assert listed(client.get(f"/delegates/?q={people['HUE-01'].code}")) == []
    assert client.get(f"/delegates/{people['HUE-01'].code}/").status_code == 404
    hue = web_as("province_organiser", HUE)
    assert listed(hue.get("/delegates/")) == ["Hồ Văn Huế"]


def test_national_id_is_masked_on_every_page(web_as: WebAs, people: dict[str, Delegate]) -> None:
    organiser = web_as("province_organiser", HANOI)
    detail = organiser.get(f"/delegates/{people['HK-01'].code}/").content.decode()
    listing = organiser.get("/delegates/").content.decode()
    for html in (detail, listing):
        assert "************" in html
        assert "2345" not in html.replace(people["HK-01"].code, "")
    central = web_as("central_organiser")
    assert "********2345" in central.get(f"/delegates/{people['HK-01'].code}/").content.decode()
    assert "001085012345" not in central.get("/delegates/").content.decode()


def test_list_pages_without_counting_everything(
    web_as: WebAs, make_site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_site(HOAN_KIEM, code="HK-09")
    rows = [["HK-09", f"Đại biểu số {i}", f"0010850{i:05d}"] for i in range(60)]
    assert import_delegates(EVERYTHING, csv_file(rows), filename="a.csv").written
    client = web_as("site_operator", "HK-09")
    first = client.get("/delegates/").context["page"]
    assert (len(first.items), first.total, first.has_next, first.total_capped) == (
        50,
        60,
        True,
        False,
    )
    second = client.get("/delegates/?page=2").context["page"]
    assert (len(second.items), second.has_next, second.start) == (10, False, 51)
    assert not {d.pk for d in first.items} & {d.pk for d in second.items}

    monkeypatch.setattr(services, "COUNT_CAP", 20)
    capped = client.get("/delegates/")
    assert capped.context["page"].total_capped
    assert "20" in capped.content.decode() and capped.context["page"].has_next
    assert len(client.get("/delegates/?page=2").context["page"].items) == 10


def test_viewer_reads_but_cannot_change(web_as: WebAs, people: dict[str, Delegate]) -> None:
    client = web_as("viewer", HANOI)
    code = people["HK-01"].code
    page = client.get(f"/delegates/{code}/")
    assert page.status_code == 200 and page.context["form"] is None
    assert "/badge/revoke/" not in page.content.decode()
    assert client.post(f"/delegates/{code}/", {"full_name": "X"}).status_code == 403
    assert client.post(f"/delegates/{code}/badge/revoke/").status_code == 403
    assert client.get("/delegates/import/").status_code == 403
    assert client.post("/delegates/badges/", {"site": "HK-01"}).status_code == 403
    assert Delegate.objects.get(code=code).full_name == "Nguyễn Văn An"


def test_operator_edits_a_delegate(web_as: WebAs, people: dict[str, Delegate]) -> None:
    client = web_as("site_operator", "HK-01")
    code = people["HK-01"].code
    form = {"full_name": "Nguyễn Văn Anh", "position": "Phó Chủ tịch", "phone": "912 345 678"}
    response = client.post(f"/delegates/{code}/", form)
    assert response.status_code == 302
    changed = Delegate.objects.get(code=code)
    assert (changed.full_name, changed.position, changed.phone) == (
        "Nguyễn Văn Anh",
        "Phó Chủ tịch",
        "0912345678",
    )
    assert changed.national_id_last4 == "2345"  # an empty CCCD field keeps the number

    bad = client.post(f"/delegates/{code}/", {"full_name": "An", "national_id": "12"})
    assert bad.status_code == 422
    assert bad.context["form"].errors["national_id"]
    assert client.post(f"/delegates/{people['HK-02'].code}/", form).status_code == 404


def test_revoking_a_badge_from_the_page_voids_the_printed_qr(
    web_as: WebAs, people: dict[str, Delegate]
) -> None:
    delegate = people["HK-01"]
    printed = payload_for(delegate.code, delegate.secret)
    client = web_as("province_organiser", HANOI)
    assert "/badge/revoke/" in client.get(f"/delegates/{delegate.code}/").content.decode()
    assert client.get(f"/delegates/{delegate.code}/badge/revoke/").status_code == 405
    response = client.post(f"/delegates/{delegate.code}/badge/revoke/", follow=True)
    assert response.status_code == 200
    fresh = Delegate.objects.get(pk=delegate.pk)
    code, mac = parse(printed)  # type: ignore[misc]
    assert mac is not None and not verify(code, fresh.secret, mac)
    _, new_mac = parse(payload_for(fresh.code, fresh.secret))  # type: ignore[misc]
    assert new_mac is not None and verify(code, fresh.secret, new_mac)


def test_import_runs_as_a_task_and_reports_every_bad_row(
    web_as: WebAs, people: dict[str, Delegate]
) -> None:
    client = web_as("site_operator", "HK-01")
    page = client.get("/delegates/import/")
    assert page.status_code == 200 and page.context["form"]["dry_run"].value() is True
    assert 'href="/delegates/import/template.xlsx"' in page.content.decode()
    assert "Nhập danh sách đại biểu từ tệp" in page.content.decode()
    data = csv_file(
        [
            ["HK-01", "Lê Văn Cường", "001085099999"],
            ["HK-01", "Phạm Thị Dung", "123"],
            ["HUE-01", "Ngoài Phạm Vi", "046085011111"],
        ]
    ).getvalue()

    def upload(**flags: Any) -> Any:
        file = SimpleUploadedFile("dai-bieu.csv", data, content_type="text/csv")
        response = client.post("/delegates/import/", {"file": file, **flags}, follow=True)
        assert response.redirect_chain[0][0].startswith("/tasks/")
        return response

    checked = upload(dry_run="on")
    task = checked.context["task"]
    html = checked.content.decode()
    assert task.status == "done" and "<progress" in html
    assert (task.result["total_rows"], task.result["written"]) == (3, False)
    assert [e["row"] for e in task.result["errors"]] == [3, 4]
    assert "Kiểm tra thử" in html and "Dòng" not in task.result["summary"][:4]
    assert not Path(task.params["path"]).exists()  # the upload is removed once imported
    assert not Delegate.objects.filter(full_name="Lê Văn Cường").exists()

    assert upload().context["task"].result["written"] is False  # a bad row stops everything
    assert not Delegate.objects.filter(full_name="Lê Văn Cường").exists()
    written = upload(skip_bad="on").context["task"].result
    assert (written["written"], written["created"]) == (True, 1)
    assert Delegate.objects.get(full_name="Lê Văn Cường").site.code == "HK-01"


def test_import_rejects_other_files(web_as: WebAs) -> None:
    client = web_as("central_organiser")
    bad = SimpleUploadedFile("notes.pdf", b"%PDF", content_type="application/pdf")
    response = client.post("/delegates/import/", {"file": bad, "dry_run": "on"})
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_template_download(web_as: WebAs) -> None:
    response = web_as("province_organiser", HANOI).get("/delegates/import/template.xlsx")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]


def test_badge_sheet_is_printed_as_a_task_for_a_site_the_user_may_change(
    web_as: WebAs, people: dict[str, Delegate], settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path  # the PDF is kept there
    operator = web_as("site_operator", "HK-01")
    listing = operator.get("/delegates/?site=HK-01")
    html = listing.content.decode()
    assert listing.context["badge_site"].code == "HK-01"
    assert 'action="/delegates/badges/"' in html and 'value="HK-01"' in html
    assert "In thẻ đại biểu của “Hội trường Hoàn Kiếm”" in html
    page = operator.post("/delegates/badges/", {"site": "HK-01"}, follow=True)
    assert page.redirect_chain[0][0].startswith("/tasks/")
    task = page.context["task"]
    assert task.status == "done" and task.result["count"] == 1 and task.result["pages"] == 1
    link = f"/delegates/badges/{task.pk}.pdf"
    assert link in page.content.decode()
    assert "1 thẻ đại biểu của “Hội trường Hoàn Kiếm” trên 1 trang A4" in page.content.decode()
    pdf = operator.get(link)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    assert (tmp_path / "badges" / f"{task.pk}.pdf").exists()
    # Someone else's task, or a site outside the scope, does not exist for you.
    assert web_as("site_operator", "HK-01").get(link).status_code == 404
    assert operator.post("/delegates/badges/", {"site": "HK-02"}).status_code == 404
    assert operator.post("/delegates/badges/", {"site": "HUE-01"}).status_code == 404
    assert operator.get("/delegates/badges/").status_code == 405
    viewer = web_as("viewer", HANOI)
    assert viewer.get("/delegates/?site=HK-01").context["badge_site"] is None
    assert viewer.post("/delegates/badges/", {"site": "HK-01"}).status_code == 403
