import pytest

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.sites.models import Site

pytestmark = pytest.mark.django_db


def test_create_cleans_values_and_reports_every_bad_field(api_as):
    client = api_as("central_organiser")
    response = client.post(
        "/api/v1/sites",
        {
            "code": "HK-01",
            "name": "  Hội trường   UBND phường Hoàn Kiếm ",
            "unit": HOAN_KIEM,
            "kind": "Chính quyền",
            "contact_phone": "+84 912 345 678",
            "tech_phone": "912345678",
            "seats": 120,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    site = Site.objects.get(code="HK-01")
    assert site.name == "Hội trường UBND phường Hoàn Kiếm"
    assert site.kind == "state"
    assert (site.contact_phone, site.tech_phone) == ("0912345678", "0912345678")
    assert site.province.code == HANOI

    response = client.post(
        "/api/v1/sites",
        {
            "code": "HK-02",
            "name": "X",
            "unit": HOAN_KIEM,
            "contact_phone": "12345",
            "contact_email": "not-an-email",
            "kind": "spaceship",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"contact_phone", "contact_email", "kind"}
    assert not Site.objects.filter(code="HK-02").exists()


def test_duplicate_code_and_unknown_unit_are_refused(api_as, make_site):
    make_site(HOAN_KIEM, code="DUP")
    client = api_as("central_organiser")
    for payload, field in (
        ({"code": "DUP", "name": "A", "unit": HOAN_KIEM}, "code"),
        ({"code": "NEW", "name": "A", "unit": "99999"}, "unit"),
    ):
        response = client.post("/api/v1/sites", payload, content_type="application/json")
        assert response.status_code == 422
        assert field in response.json()["fields"]


def test_messages_are_vietnamese_by_default(api_as):
    client = api_as("central_organiser")
    response = client.get("/api/v1/sites/KHONG-CO")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.json()["detail"]


def test_list_filters_and_pagination(api_as, make_site):
    hue = first_commune(HUE).code
    for i in range(5):
        make_site(HOAN_KIEM, code=f"HK-{i}", kind="party" if i % 2 else "state")
    make_site(hue, code="HUE-0", status="ready")
    client = api_as("central_organiser")
    page = client.get("/api/v1/sites?limit=2&offset=2").json()
    assert page["total"] == 6 and [s["code"] for s in page["items"]] == ["HK-2", "HK-3"]
    assert client.get(f"/api/v1/sites?commune={HOAN_KIEM}").json()["total"] == 5
    assert client.get("/api/v1/sites?kind=party").json()["total"] == 2
    assert client.get("/api/v1/sites?status=ready").json()["total"] == 1
    assert client.get(f"/api/v1/sites?province={HUE}").json()["total"] == 1
    assert client.get("/api/v1/sites?q=hoan kiem").json()["total"] == 5


def test_openapi_document_is_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/sites" in spec["paths"] and "/api/v1/units" in spec["paths"]
