"""Delegates over the API: scopes per role, CCCD masking, import and template."""

import io

import pytest
from python_calamine import CalamineWorkbook

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.conftest import HOAN_KIEM, first_commune
from diemcau.delegates import services
from diemcau.delegates.importing import import_delegates
from diemcau.delegates.models import Delegate
from diemcau.delegates.tests.helpers import csv_file
from diemcau.errors import Forbidden, Invalid, NotFound

pytestmark = pytest.mark.django_db

EVERYTHING = Scope(user_id=0, everything=True)
HUE = "46"


@pytest.fixture
def people(make_site):
    """Two sites in Hà Nội and one in Huế, one delegate each."""
    make_site(HOAN_KIEM, code="HK-01")
    make_site(HOAN_KIEM, code="HK-02")
    make_site(first_commune(HUE).code, code="HUE-01")
    data = csv_file(
        [
            ["HK-01", "Nguyễn Văn An", "001085012345"],
            ["HK-02", "Trần Thị Bình", "001190054321"],
            ["HUE-01", "Hồ Văn Huế", "046085007890"],
        ]
    )
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert report.written
    return {d.site.code: d for d in Delegate.objects.select_related("site")}


def names(response):
    assert response.status_code == 200, response.content
    return sorted(item["full_name"] for item in response.json()["items"])


def test_province_organiser_cannot_read_another_provinces_delegates(api_as, people):
    client = api_as("province_organiser", "01")
    assert names(client.get("/api/v1/delegates")) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert names(client.get("/api/v1/delegates?site=HUE-01")) == []
    assert names(client.get(f"/api/v1/delegates?province={HUE}")) == []
    assert client.get(f"/api/v1/delegates/{people['HUE-01'].code}").status_code == 404
    response = client.get(f"/api/v1/delegates/{people['HK-01'].code}")
    assert response.status_code == 200
    assert response.json()["national_id"] == "************"  # fully masked
    assert client.get("/api/v1/delegates?national_id=046085007890").status_code == 403

    hue = api_as("province_organiser", HUE)
    assert names(hue.get("/api/v1/delegates")) == ["Hồ Văn Huế"]
    assert hue.get(f"/api/v1/delegates/{people['HK-01'].code}").status_code == 404


def test_site_operator_sees_only_their_sites_delegates(api_as, people):
    client = api_as("site_operator", "HK-02")
    assert names(client.get("/api/v1/delegates")) == ["Trần Thị Bình"]
    assert client.get(f"/api/v1/delegates/{people['HK-01'].code}").status_code == 404
    assert names(client.get("/api/v1/delegates?q=bình")) == ["Trần Thị Bình"]


def test_central_organiser_sees_last_four_digits_and_finds_by_national_id(api_as, people):
    client = api_as("central_organiser")
    response = client.get("/api/v1/delegates?national_id=46085007890")  # Excel-style, no zero
    assert response.json()["total"] == 1
    [item] = response.json()["items"]
    assert item["full_name"] == "Hồ Văn Huế"
    assert item["national_id"] == "********7890"
    assert item["site"] == "HUE-01"
    assert client.get("/api/v1/delegates?national_id=001085099999").json()["total"] == 0
    assert names(client.get("/api/v1/delegates?province=01&limit=1")) == ["Nguyễn Văn An"]


def test_import_over_the_api_is_scoped_and_reports_in_vietnamese(api_as, people):
    client = api_as("province_organiser", "01")
    data = csv_file(
        [["HK-01", "Lê Văn Cường", "001085000003"], ["HUE-01", "Lê Văn Lạ", "046085000004"]]
    )
    response = client.post("/api/v1/delegates/import", {"file": data, "dry_run": "true"})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["row"] == 3
    assert "ngoài phạm vi quản lý" in body["errors"][0]["message"]
    assert not body["written"]

    data.seek(0)
    response = client.post("/api/v1/delegates/import", {"file": data, "skip_bad": "true"})
    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert Delegate.objects.filter(full_name="Lê Văn Cường").exists()
    assert not Delegate.objects.filter(full_name="Lê Văn Lạ").exists()

    viewer = api_as("viewer", "01")
    data.seek(0)
    assert viewer.post("/api/v1/delegates/import", {"file": data}).status_code == 403


def test_template_downloads_and_imports_back(api_as, make_site):
    make_site(HOAN_KIEM, code="HN-00070-01")  # the site of the template's example row
    client = api_as("central_organiser")
    response = client.get("/api/v1/delegates/template.xlsx")
    assert response.status_code == 200
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert workbook.sheet_names == ["Đại biểu", "Hướng dẫn"]
    upload = io.BytesIO(response.content)
    upload.name = "mau.xlsx"
    result = client.post("/api/v1/delegates/import", {"file": upload})
    assert result.status_code == 200, result.content
    assert result.json()["created"] == 1
    assert Delegate.objects.get().full_name == "Nguyễn Thị Lan"


def test_services_create_and_update_within_scope(make_user, people):
    hanoi = scope_for(make_user("province_organiser", "01"))
    made = services.create_delegate(
        hanoi,
        "HK-01",
        {"full_name": " Phan  Văn Dũng ", "national_id": "1085000005", "phone": "+84912345678"},
    )
    assert (made.full_name, made.phone, made.national_id_last4) == (
        "Phan Văn Dũng",
        "0912345678",
        "0005",
    )
    assert made.province_id == made.site.province_id
    with pytest.raises(Forbidden):
        services.create_delegate(hanoi, "HUE-01", {"full_name": "X", "national_id": "046085000006"})
    with pytest.raises(Invalid) as bad:
        services.create_delegate(hanoi, "HK-01", {"full_name": "Y", "national_id": "001085012345"})
    assert "national_id" in bad.value.fields
    with pytest.raises(NotFound):
        services.update_delegate(hanoi, people["HUE-01"].code, {"full_name": "Z"})

    changed = services.update_delegate(hanoi, made.code, {"site": "HK-02", "position": "Đại biểu"})
    assert (changed.site.code, changed.position) == ("HK-02", "Đại biểu")
    operator = scope_for(make_user("site_operator", "HK-01"))
    with pytest.raises(NotFound):  # now at HK-02: outside the operator's sites
        services.update_delegate(operator, made.code, {"full_name": "Z"})


def test_moving_a_site_carries_its_delegates_province(api_as, people):
    """A site moved to Huế: its delegates leave Hà Nội's lists and appear in Huế's."""
    central = api_as("central_organiser")
    hue_commune = first_commune(HUE).code
    response = central.patch(
        "/api/v1/sites/HK-02", {"unit": hue_commune}, content_type="application/json"
    )
    assert response.status_code == 200
    moved = Delegate.objects.get(site__code="HK-02")
    assert moved.province.code == HUE
    assert names(api_as("province_organiser", HUE).get("/api/v1/delegates")) == [
        "Hồ Văn Huế",
        "Trần Thị Bình",
    ]
    assert names(api_as("province_organiser", "01").get("/api/v1/delegates?province=01")) == [
        "Nguyễn Văn An"
    ]


def test_api_import_skipping_bad_rows_when_all_are_bad_explains_instead_of_advising_to_skip(
    api_as, people
):
    client = api_as("central_organiser")
    data = csv_file([["HK-01", "Lê Văn Cường", "00108500003"], ["HK-01", "Lê Văn Lạ", "1"]])
    response = client.post("/api/v1/delegates/import", {"file": data, "skip_bad": "true"})
    assert response.status_code == 422  # nothing imported: not a success
    body = response.json()
    assert body["created"] == 0 and not body["written"] and body["bad_rows"] == 2
    assert "chọn bỏ qua dòng lỗi" not in body["summary"]
    assert "cả 2 trong 2 dòng đều có lỗi" in body["summary"]
    assert "thiếu 1 chữ số (CCCD có 12 chữ số)" in body["errors"][0]["message"]
