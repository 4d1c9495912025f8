"""Every role × site endpoint × inside/outside its scope, through the API (pretix-style table).

Reads outside the scope are 404 (the site does not exist for you); writes are 403.
"""

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_site):
    hue_commune = first_commune(HUE).code
    return {
        "hn": make_site(HOAN_KIEM, code="HN-1"),
        "hn_other": make_site(HOAN_KIEM, code="HN-2"),
        "hn_body": make_site(f"{HANOI}.TU", code="HN-TU"),
        "hue": make_site(hue_commune, code="HUE-1"),
        "ministry": make_site("TW.BNV", code="BNV-1"),
    }


# role, scope, {site key: (read status, write status)}
TABLE = [
    (
        "central_organiser",
        None,
        {"hn": (200, 200), "hn_body": (200, 200), "hue": (200, 200), "ministry": (200, 200)},
    ),
    (
        "province_organiser",
        HANOI,
        {"hn": (200, 200), "hn_body": (200, 200), "hue": (404, 403), "ministry": (404, 403)},
    ),
    ("province_organiser", HUE, {"hn": (404, 403), "hue": (200, 200), "ministry": (404, 403)}),
    ("site_operator", "HN-1", {"hn": (200, 200), "hn_other": (404, 403), "hue": (404, 403)}),
    ("viewer", HANOI, {"hn": (200, 403), "hn_body": (200, 403), "hue": (404, 403)}),
    ("viewer", None, {"hn": (200, 403), "hue": (200, 403)}),
    ("sector_answerer", "noi-vu", {"hn": (404, 403), "hue": (404, 403)}),
]


@pytest.mark.parametrize(("role", "scope", "expected"), TABLE)
def test_read_and_write_follow_the_scope(api_as, world, role, scope, expected):
    client = api_as(role, scope)
    for key, (read_status, write_status) in expected.items():
        code = world[key].code
        assert client.get(f"/api/v1/sites/{code}").status_code == read_status, (key, "read")
        response = client.patch(
            f"/api/v1/sites/{code}", {"seats": 77}, content_type="application/json"
        )
        assert response.status_code == write_status, (key, "write", response.content)
        world[key].refresh_from_db()
        assert (world[key].seats == 77) == (write_status == 200)


@pytest.mark.parametrize(("role", "scope", "expected"), TABLE)
def test_list_shows_exactly_the_readable_sites(api_as, world, role, scope, expected):
    client = api_as(role, scope)
    listed = {s["code"] for s in client.get("/api/v1/sites?limit=1000").json()["items"]}
    for key, (read_status, _write) in expected.items():
        assert (world[key].code in listed) == (read_status == 200), key


@pytest.mark.parametrize(
    ("role", "scope", "unit_code", "status"),
    [
        ("central_organiser", None, HUE, 201),
        ("province_organiser", HANOI, HOAN_KIEM, 201),
        ("province_organiser", HANOI, f"{HANOI}.MTTQ", 201),
        ("province_organiser", HANOI, HUE, 403),
        ("province_organiser", HANOI, "TW.BNV", 403),
        ("site_operator", "HN-1", HOAN_KIEM, 403),
        ("viewer", None, HOAN_KIEM, 403),
        ("sector_answerer", "noi-vu", HOAN_KIEM, 403),
    ],
)
def test_only_organisers_create_sites_within_their_scope(
    api_as, world, role, scope, unit_code, status
):
    client = api_as(role, scope)
    response = client.post(
        "/api/v1/sites",
        {"code": "NEW-1", "name": "Hội trường mới", "unit": unit_code},
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    listed = client.get("/api/v1/sites/NEW-1").status_code
    assert (listed == 200) == (status == 201)


def test_province_filter_cannot_widen_a_scope(api_as, world):
    client = api_as("province_organiser", HANOI)
    assert client.get(f"/api/v1/sites?province={HUE}").json()["total"] == 0
    assert client.get(f"/api/v1/sites?province={HANOI}").json()["total"] == 3


def test_operator_cannot_move_a_site_to_another_unit(api_as, world):
    client = api_as("site_operator", "HN-1")
    response = client.patch(
        "/api/v1/sites/HN-1", {"unit": HOAN_KIEM}, content_type="application/json"
    )
    assert response.status_code == 200  # same unit: no move
    other = first_commune(HANOI).code
    response = client.patch("/api/v1/sites/HN-1", {"unit": other}, content_type="application/json")
    assert response.status_code == 403
