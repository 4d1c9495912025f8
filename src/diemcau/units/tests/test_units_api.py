import pytest

from diemcau.units.services import load_units

pytestmark = pytest.mark.django_db


def test_api_counts_the_real_tree(api_as):
    client = api_as("viewer")
    assert client.get("/api/v1/units?level=province").json()["total"] == 34
    assert client.get("/api/v1/units?level=commune").json()["total"] == 3321


def test_search_works_with_and_without_diacritics(api_as):
    client = api_as("viewer")
    for q in ("hoan kiem", "Hoàn Kiếm", "HOAN KIEM", "hoàn kiếm"):
        names = [u["name"] for u in client.get("/api/v1/units", {"q": q}).json()["items"]]
        assert "Phường Hoàn Kiếm" in names, q


def test_loading_twice_changes_nothing():
    again = load_units()
    assert again.created == 0 and again.updated == 0
    assert again.unchanged == again.total > 3321 + 34


def test_api_needs_authentication(client):
    assert client.get("/api/v1/units").status_code == 401
