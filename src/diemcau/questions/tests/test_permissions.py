"""Every role against the question endpoints, inside and outside its scope (a table, as pretix)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.questions.tests.helpers import URL, ask, post, put

pytestmark = pytest.mark.django_db

STAFF = "Cán bộ cấp xã dôi dư sau sắp xếp được hưởng chính sách gì?"
Make = Callable[..., Any]

# role, scope ("HN"/"HUE" stand for the test sites' codes) → expected status for:
# read question, read cluster, route cluster, answer cluster, reject question
TABLE = [
    ("central_organiser", None, (200, 200, 200, 200, 200)),
    ("province_organiser", HANOI, (200, 200, 200, 403, 200)),
    ("province_organiser", HUE, (404, 404, 404, 404, 404)),
    ("site_operator", "HN", (200, 200, 403, 403, 403)),
    ("site_operator", "HUE", (404, 404, 404, 404, 404)),
    ("sector_answerer", "noi-vu", (200, 200, 403, 200, 403)),
    ("sector_answerer", "y-te", (404, 404, 404, 404, 404)),
    ("viewer", None, (200, 200, 403, 403, 403)),
    ("viewer", HUE, (404, 404, 404, 404, 404)),
]


@pytest.mark.parametrize(("role", "scope", "expected"), TABLE)
def test_role_and_scope_decide_every_question_endpoint(
    make_site: Make, api_as: Make, role: str, scope: str | None, expected: tuple[int, ...]
) -> None:
    hn, hue = make_site(HOAN_KIEM), make_site(first_commune(HUE).code)
    question = ask(api_as("site_operator", hn.code), hn.code, STAFF)
    cid = question["cluster"]
    routed = post(api_as("central_organiser"), f"/clusters/{cid}/route", {"sector": "noi-vu"})
    assert routed.status_code == 200
    client = api_as(role, {"HN": hn.code, "HUE": hue.code}.get(scope or "", scope))
    got = (
        client.get(f"{URL}/{question['id']}").status_code,
        client.get(f"{URL}/clusters/{cid}").status_code,
        post(client, f"/clusters/{cid}/route", {"sector": "noi-vu"}).status_code,
        put(client, f"/clusters/{cid}/answer", {"text": "Trả lời."}).status_code,
        post(client, f"/{question['id']}/reject", {"reason": "Trùng"}).status_code,
    )
    assert got == expected


@pytest.mark.parametrize("path", ["/", "/clusters", "/knowledge"])
def test_lists_cost_the_same_queries_for_one_item_or_three(
    make_site: Make, api_as: Make, path: str
) -> None:
    site = make_site(HOAN_KIEM)
    operator, central = api_as("site_operator", site.code), api_as("central_organiser")
    texts = [
        STAFF,
        "Trạm y tế các xã cũ sau sáp nhập được tổ chức lại thế nào?",
        "Con dấu của xã mới sau sáp nhập được khắc ở đâu và khi nào được sử dụng?",
    ]
    counts = []
    for text in texts:
        cid = ask(operator, site.code, text)["cluster"]
        post(central, f"/clusters/{cid}/route", {"sector": "noi-vu"})
        put(central, f"/clusters/{cid}/answer", {"text": "Trả lời."})
        post(central, f"/clusters/{cid}/publish")
        with CaptureQueriesContext(connection) as queries:
            response = central.get(f"{URL}{path}")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[2]
