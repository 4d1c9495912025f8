"""Site pages: every list, detail, export and write respects the scope (404 reads, 403 writes)."""

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.sites.models import Site
from diemcau.web.tests.catalogues import compiled_catalogues

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_catalogues")]
__all__ = ["compiled_catalogues"]

WebAs = Callable[..., Client]


@pytest.fixture
def two_provinces(make_site: Any) -> tuple[Site, Site]:
    return make_site(HOAN_KIEM, name="Hội trường Hoàn Kiếm"), make_site(
        first_commune(HUE).code, name="Hội trường Huế"
    )


def codes(response: Any) -> set[str]:
    return {s.code for s in response.context["page"]}


def valid_form(**changes: str) -> dict[str, str]:
    data = {
        "code": "HN-NEW-01",
        "name": "Hội trường mới",
        "unit": HOAN_KIEM,
        "kind": "state",
        "status": "registered",
        "connection": "internet",
        "seats": "120",
        "contact_phone": "0912 345 678",
    }
    data.update(changes)
    return data


# -- reads ---------------------------------------------------------------------------------
def test_province_organiser_sees_only_own_province(web_as: WebAs, two_provinces: Any) -> None:
    hanoi_site, _ = two_provinces
    client = web_as("province_organiser", HANOI)
    response = client.get("/sites/")
    assert codes(response) == {hanoi_site.code}
    page = response.content.decode()
    assert "Hội trường Hoàn Kiếm" in page
    assert "Hội trường Huế" not in page
    assert client.get(f"/sites/{hanoi_site.code}/").status_code == 200
    # Even filtering on Huế explicitly shows nothing.
    assert codes(client.get("/sites/", {"province": HUE})) == set()


def test_site_outside_read_scope_is_404_in_vietnamese(web_as: WebAs, two_provinces: Any) -> None:
    _, hue_site = two_provinces
    response = web_as("province_organiser", HANOI).get(f"/sites/{hue_site.code}/")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()
    assert "Hội trường Huế" not in response.content.decode()


def test_central_organiser_sees_both(web_as: WebAs, two_provinces: Any) -> None:
    client = web_as("central_organiser")
    assert codes(client.get("/sites/")) == {s.code for s in two_provinces}
    for site in two_provinces:
        page = client.get(f"/sites/{site.code}/")
        assert page.status_code == 200
        assert page.context["can_edit"] is True


def test_list_filters(web_as: WebAs, make_site: Any) -> None:
    hoan_kiem = make_site(HOAN_KIEM, kind="party", status="ready")
    other_hanoi = make_site(first_commune(HANOI).code, kind="state")
    hue = make_site(first_commune(HUE).code, kind="party", name="Hội trường Thuận Hóa")
    client = web_as("central_organiser")
    assert codes(client.get("/sites/", {"province": HANOI})) == {hoan_kiem.code, other_hanoi.code}
    assert codes(client.get("/sites/", {"province": HANOI, "commune": HOAN_KIEM})) == {
        hoan_kiem.code
    }
    assert codes(client.get("/sites/", {"kind": "party"})) == {hoan_kiem.code, hue.code}
    assert codes(client.get("/sites/", {"status": "ready"})) == {hoan_kiem.code}
    # The unit's name matches with or without diacritics.
    assert codes(client.get("/sites/", {"q": "phu xuan"})) == {hue.code}
    assert codes(client.get("/sites/", {"q": "Phú Xuân"})) == {hue.code}
    assert codes(client.get("/sites/", {"q": "hoan kiem"})) == {hoan_kiem.code}
    assert codes(client.get("/sites/", {"kind": "nonsense"})) == {
        hoan_kiem.code,
        other_hanoi.code,
        hue.code,
    }
    # A commune left over from another province is dropped, not matched against nothing.
    assert codes(client.get("/sites/", {"province": HUE, "commune": HOAN_KIEM})) == {hue.code}
    # Choosing a province offers its communes.
    communes = client.get("/sites/", {"province": HANOI}).context["communes"]
    assert HOAN_KIEM in {c.code for c in communes}


def test_list_paginates_by_50_and_shows_totals(web_as: WebAs, make_site: Any) -> None:
    for i in range(53):
        make_site(HOAN_KIEM, code=f"HN{i:03d}", status="ready" if i < 3 else "registered")
    client = web_as("province_organiser", HANOI)
    first = client.get("/sites/")
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 53
    page = first.content.decode()
    assert "53" in page
    assert dict(first.context["totals"]) == {"Đã đăng ký": 50, "Sẵn sàng": 3}
    second = client.get("/sites/", {"page": 2})
    assert codes(second) == {"HN050", "HN051", "HN052"}


def test_list_query_count_does_not_grow_with_sites(web_as: WebAs, make_site: Any) -> None:
    client = web_as("province_organiser", HANOI)
    client.get("/sites/")  # warm the session and caches
    make_site(HOAN_KIEM)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/sites/", {"province": HANOI}).status_code == 200
    for _ in range(4):
        make_site(first_commune(HANOI).code)
    with CaptureQueriesContext(connection) as five:
        response = client.get("/sites/", {"province": HANOI})
    assert len(response.context["page"].object_list) == 5
    assert len(one) == len(five), [q["sql"] for q in five.captured_queries]


@pytest.mark.parametrize("query", ["Thuận Hóa", "thuan hoa"])
def test_site_name_search_with_and_without_diacritics(
    web_as: WebAs, make_site: Any, query: str
) -> None:
    hue = make_site(first_commune(HUE).code, name="Hội trường Thuận Hóa")
    assert codes(web_as("central_organiser").get("/sites/", {"q": query})) == {hue.code}


# Every role × page × inside/outside its scope: reads outside are 404, writes outside are 403.
# Columns: detail HN, detail Huế, edit HN, edit Huế, new site, import, list count.
ROLE_TABLE = [
    ("central_organiser", None, (200, 200, 200, 200, 200, 200, 2)),
    ("province_organiser", HANOI, (200, 404, 200, 403, 200, 200, 1)),
    ("viewer", None, (200, 200, 403, 403, 403, 403, 2)),
    ("viewer", HANOI, (200, 404, 403, 403, 403, 403, 1)),
    ("site_operator", "HN-SITE", (200, 404, 200, 403, 403, 403, 1)),
    ("sector_answerer", "noi-vu", (404, 404, 403, 403, 403, 403, 0)),
]


@pytest.mark.parametrize(("role", "scope", "expected"), ROLE_TABLE)
def test_role_table(
    web_as: WebAs, make_site: Any, role: str, scope: str | None, expected: tuple[int, ...]
) -> None:
    make_site(HOAN_KIEM, code="HN-SITE")
    make_site(first_commune(HUE).code, code="HUE-SITE")
    client = web_as(role, scope)
    got = tuple(
        client.get(url).status_code
        for url in (
            "/sites/HN-SITE/",
            "/sites/HUE-SITE/",
            "/sites/HN-SITE/edit/",
            "/sites/HUE-SITE/edit/",
            "/sites/new/",
            "/sites/import/",
        )
    )
    listed = client.get("/sites/").context["page"].paginator.count
    exported = client.get("/sites/export.csv")
    rows = b"".join(exported.streaming_content).decode("utf-8-sig").splitlines()[1:]  # type: ignore[attr-defined]
    assert (*got, listed) == expected
    assert len(rows) == listed


# -- writes --------------------------------------------------------------------------------
def test_editing_outside_scope_is_403(web_as: WebAs, two_provinces: Any) -> None:
    _, hue_site = two_provinces
    client = web_as("province_organiser", HANOI)
    assert client.get(f"/sites/{hue_site.code}/edit/").status_code == 403
    response = client.post(f"/sites/{hue_site.code}/edit/", valid_form(name="Đổi tên"))
    assert response.status_code == 403
    assert "Không được phép" in response.content.decode()
    hue_site.refresh_from_db()
    assert hue_site.name == "Hội trường Huế"


def test_unknown_site_edit_is_404(web_as: WebAs) -> None:
    assert web_as("central_organiser").get("/sites/NOPE/edit/").status_code == 404


def test_province_organiser_edits_own_site(web_as: WebAs, two_provinces: Any) -> None:
    hanoi_site, _ = two_provinces
    client = web_as("province_organiser", HANOI)
    form = client.get(f"/sites/{hanoi_site.code}/edit/")
    assert form.status_code == 200
    assert 'value="Hội trường Hoàn Kiếm"' in form.content.decode()
    response = client.post(
        f"/sites/{hanoi_site.code}/edit/", valid_form(name="Hội trường đã sửa", status="ready")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/sites/{hanoi_site.code}/"
    hanoi_site.refresh_from_db()
    assert (hanoi_site.name, hanoi_site.status, hanoi_site.contact_phone) == (
        "Hội trường đã sửa",
        "ready",
        "0912345678",
    )
    assert hanoi_site.code != "HN-NEW-01"  # the code is not editable


def test_province_organiser_cannot_move_a_site_out_of_the_province(
    web_as: WebAs, two_provinces: Any
) -> None:
    hanoi_site, hue_site = two_provinces
    client = web_as("province_organiser", HANOI)
    response = client.post(f"/sites/{hanoi_site.code}/edit/", valid_form(unit=hue_site.unit.code))
    assert response.status_code == 403
    hanoi_site.refresh_from_db()
    assert hanoi_site.unit.code == HOAN_KIEM


def test_site_operator_edits_only_their_own_site(web_as: WebAs, make_site: Any) -> None:
    own = make_site(HOAN_KIEM, name="Của tôi")
    neighbour = make_site(HOAN_KIEM, name="Hàng xóm")
    client = web_as("site_operator", own.code)
    assert codes(client.get("/sites/")) == {own.code}
    detail = client.get(f"/sites/{own.code}/")
    assert detail.context["can_edit"] is True
    form = client.get(f"/sites/{own.code}/edit/")
    assert "unit" not in form.context["form"].fields  # operators cannot move sites
    response = client.post(
        f"/sites/{own.code}/edit/",
        {"name": "Của tôi (đã sửa)", "kind": "state", "status": "ready", "connection": "mobile"},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.name, own.status, own.connection) == ("Của tôi (đã sửa)", "ready", "mobile")
    assert client.get(f"/sites/{neighbour.code}/").status_code == 404
    assert client.get(f"/sites/{neighbour.code}/edit/").status_code == 403
    assert client.post(f"/sites/{neighbour.code}/edit/", {"name": "x"}).status_code == 403
    neighbour.refresh_from_db()
    assert neighbour.name == "Hàng xóm"
    assert client.get("/sites/new/").status_code == 403


def test_create_site(web_as: WebAs) -> None:
    client = web_as("province_organiser", HANOI)
    assert client.get("/sites/new/").status_code == 200
    response = client.post("/sites/new/", valid_form())
    assert response.status_code == 302
    site = Site.objects.get(code="HN-NEW-01")
    assert (site.unit.code, site.province.code if site.province else None) == (HOAN_KIEM, HANOI)
    assert site.seats == 120
    assert "Hội trường mới" in client.get(response["Location"]).content.decode()


def test_create_form_errors_are_vietnamese_and_nothing_is_saved(web_as: WebAs) -> None:
    client = web_as("province_organiser", HANOI)
    response = client.post(
        "/sites/new/", valid_form(contact_phone="12345", contact_email="khong-phai-email")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "không phải là số điện thoại Việt Nam" in page
    assert "không phải là địa chỉ email" in page
    assert "12345" in page  # the typed value is kept for correcting
    errors = response.context["form"].errors
    assert set(errors) == {"contact_phone", "contact_email"}
    assert not Site.objects.filter(code="HN-NEW-01").exists()


def test_create_requires_name_and_rejects_duplicate_code(web_as: WebAs, make_site: Any) -> None:
    make_site(HOAN_KIEM, code="HN-NEW-01")
    client = web_as("central_organiser")
    response = client.post("/sites/new/", valid_form(name=""))
    assert "Trường này là bắt buộc" in response.content.decode()
    response = client.post("/sites/new/", valid_form())
    assert "đã tồn tại" in response.content.decode()
    assert Site.objects.filter(code="HN-NEW-01").count() == 1


def test_create_outside_scope_is_refused(web_as: WebAs) -> None:
    client = web_as("province_organiser", HANOI)
    response = client.post("/sites/new/", valid_form(unit=first_commune(HUE).code))
    assert response.status_code == 403
    assert "ngoài phạm vi" in response.content.decode()
    assert not Site.objects.filter(code="HN-NEW-01").exists()


def test_create_page_finds_units_in_scope_without_diacritics(web_as: WebAs) -> None:
    client = web_as("province_organiser", HANOI)
    response = client.get("/sites/new/", {"unit_q": "hoan kiem"})
    assert HOAN_KIEM in {u.code for u in response.context["units"]}
    assert all(u.province.code == HANOI for u in response.context["units"])
    assert client.get("/sites/new/", {"unit": HOAN_KIEM}).context["form"]["unit"].value() == (
        HOAN_KIEM
    )
    hue = client.get("/sites/new/", {"unit_q": "thuan hoa"}).context["units"]
    assert hue == []  # Huế's wards are outside a Hà Nội organiser's scope


# -- export and import -----------------------------------------------------------------------
def test_export_links_keep_the_filter_and_the_scope(web_as: WebAs, two_provinces: Any) -> None:
    hanoi_site, hue_site = two_provinces
    client = web_as("province_organiser", HANOI)
    page = client.get("/sites/", {"status": "registered", "page": "1"}).content.decode()
    assert 'href="/sites/export.csv?status=registered"' in page
    response = client.get("/sites/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == [hanoi_site.code]
    assert hue_site.code not in text
    xlsx = client.get("/sites/export.xlsx", {"province": HUE})
    assert xlsx.status_code == 200
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]
    assert client.get("/sites/export.pdf").status_code == 404


def test_import_page_dry_run_by_default_then_write(web_as: WebAs) -> None:
    client = web_as("province_organiser", HANOI)
    page = client.get("/sites/import/")
    assert page.status_code == 200
    assert page.context["form"]["dry_run"].value() is True
    assert 'href="/sites/import/template.xlsx"' in page.content.decode()
    hue = first_commune(HUE).code
    data = f"code,name,unit\nIMP-1,Hội trường nhập,{HOAN_KIEM}\nIMP-2,Ngoài phạm vi,{hue}\n"

    def upload(**flags: Any) -> Any:
        """Post the file; the import runs as a task and the browser lands on its page."""
        file = SimpleUploadedFile("diem-cau.csv", data.encode(), content_type="text/csv")
        response = client.post("/sites/import/", {"file": file, **flags}, follow=True)
        assert response.redirect_chain[0][0].startswith("/tasks/")
        return response

    checked = upload(dry_run="on")
    task = checked.context["task"]
    assert task.status == "done" and "<progress" in checked.content.decode()
    report = task.result
    assert (report["total_rows"], report["written"]) == (2, False)
    assert [e["row"] for e in report["errors"]] == [3]
    assert "Kiểm tra thử" in checked.content.decode()
    assert not Site.objects.filter(code__startswith="IMP-").exists()
    assert not Path(task.params["path"]).exists()  # the upload is removed once imported
    assert upload().context["task"].result["written"] is False  # a bad row stops everything
    written = upload(skip_bad="on").context["task"].result
    assert (written["created"], written["written"]) == (1, True)
    assert list(Site.objects.filter(code__startswith="IMP-").values_list("code", flat=True)) == [
        "IMP-1"
    ]
    # The task page belongs to its owner: another province's organiser gets 404.
    other = web_as("province_organiser", HUE)
    assert other.get(f"/tasks/{task.pk}/").status_code == 404
    assert other.get(f"/api/v1/tasks/{task.pk}").status_code == 404
    assert client.get(f"/api/v1/tasks/{task.pk}").json()["percent"] == 100


def test_import_rejects_other_files_and_non_organisers(web_as: WebAs, make_site: Any) -> None:
    client = web_as("central_organiser")
    bad = SimpleUploadedFile("notes.pdf", b"%PDF", content_type="application/pdf")
    response = client.post("/sites/import/", {"file": bad, "dry_run": "on"})
    assert response.context["report"] is None
    assert "XLSX" in response.content.decode()
    site = make_site(HOAN_KIEM)
    assert web_as("site_operator", site.code).get("/sites/import/").status_code == 403


def test_template_download(web_as: WebAs) -> None:
    response = web_as("province_organiser", HANOI).get("/sites/import/template.xlsx")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]
