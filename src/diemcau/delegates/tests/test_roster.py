"""The roster the offline site console downloads: its exact shape, its scope, its digests."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diemcau.conftest import HANOI, HUE
from diemcau.delegates.badge_token import badge_digest
from diemcau.delegates.importing import import_delegates
from diemcau.delegates.models import Delegate
from diemcau.delegates.tests.helpers import csv_file
from diemcau.delegates.tests.test_views import EVERYTHING, people

pytestmark = pytest.mark.django_db
__all__ = ["people"]


def test_roster_shape_is_what_the_console_reads(api_as: Any, people: Any) -> None:
    delegate = people["HK-01"]
    response = api_as("site_operator", "HK-01").get("/api/v1/delegates/roster?site=HK-01")
    assert response.status_code == 200
    assert response.json() == {
        "site": "HK-01",
        "count": 1,
        "items": [
            {
                "code": delegate.code,
                "full_name": "Nguyễn Văn An",
                "position": "Chủ tịch UBND",
                "badge_digest": badge_digest(delegate.code, delegate.secret),
            }
        ],
    }
    assert "secret" not in response.content.decode()
    assert "2345" not in response.content.decode().replace(delegate.code, "")


def test_roster_follows_the_read_scope(api_as: Any, people: Any) -> None:
    url = "/api/v1/delegates/roster?site=HK-01"
    assert api_as("viewer", HANOI).get(url).status_code == 200
    assert api_as("province_organiser", HANOI).get(url).status_code == 200
    assert api_as("central_organiser").get(url).status_code == 200
    assert api_as("province_organiser", HUE).get(url).status_code == 404
    assert api_as("site_operator", "HK-02").get(url).status_code == 404
    assert api_as("central_organiser").get("/api/v1/delegates/roster?site=NOPE").status_code == 404


def test_revoking_changes_the_digest(api_as: Any, people: Any) -> None:
    client = api_as("site_operator", "HK-01")
    url = "/api/v1/delegates/roster?site=HK-01"
    before = client.get(url).json()["items"][0]["badge_digest"]
    code = people["HK-01"].code
    assert client.post(f"/api/v1/delegates/{code}/badge/revoke").status_code == 200
    after = client.get(url).json()["items"][0]["badge_digest"]
    assert after != before
    assert after == badge_digest(code, Delegate.objects.get(code=code).secret)


def test_roster_costs_the_same_few_queries_for_any_size(api_as: Any, people: Any) -> None:
    rows = [["HK-01", f"Đại biểu {i}", f"0010852{i:05d}"] for i in range(300)]
    assert import_delegates(EVERYTHING, csv_file(rows), filename="a.csv").written
    client = api_as("site_operator", "HK-01")
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/delegates/roster?site=HK-01").json()
    assert body["count"] == 301 == len(body["items"])
    codes = [item["code"] for item in body["items"]]
    assert len(set(codes)) == 301
    assert len(queries) <= 8  # auth, scope, site, one SELECT of tuples: no query per delegate
