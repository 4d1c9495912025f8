"""Paging is bounded in the schema (one definition, diemcau.paging): an offset the database
cannot hold once answered 500; now every list answers 422 naming the field, in Vietnamese."""

from typing import Any

import pytest

from diemcau.paging import MAX_OFFSET

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/delegates",
    "/api/v1/sites",
    "/api/v1/units",
    "/api/v1/questions/",
    "/api/v1/questions/clusters",
    "/api/v1/questions/knowledge",
    "/api/v1/incidents",
    "/api/v1/rehearsals",
]


def test_an_offset_past_any_database_is_422_not_500(api_as: Any) -> None:
    api = api_as("central_organiser")
    response = api.get("/api/v1/delegates", {"offset": "9421218878242079899648"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Một số trường không hợp lệ.",
        "fields": {"offset": f"Tối đa là {MAX_OFFSET}."},
    }


@pytest.mark.parametrize("url", LISTS)
def test_every_list_refuses_a_negative_offset_and_a_limit_out_of_bounds(
    api_as: Any, url: str
) -> None:
    api = api_as("central_organiser")
    assert api.get(url, {"offset": -1}).json()["fields"] == {"offset": "Phải từ 0 trở lên."}
    assert api.get(url, {"limit": 0}).json()["fields"] == {"limit": "Phải từ 1 trở lên."}
    assert api.get(url, {"limit": 100_000}).status_code == 422
    assert api.get(url, {"limit": 5, "offset": MAX_OFFSET}).status_code == 200


def test_a_page_says_what_it_holds(api_as: Any, make_site: Any) -> None:
    for n in range(3):
        make_site(code=f"PG{n}")
    page = api_as("central_organiser").get("/api/v1/sites", {"limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 1)
    assert [s["code"] for s in page["items"]] == ["PG1", "PG2"]
