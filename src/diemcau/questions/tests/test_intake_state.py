"""A new question takes its cluster's state at once, without rewriting the cluster's other
questions: at 35,000 sites asking a handful of texts, a full-cluster update per question made
intake slower with every question (issue 19)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diemcau.conftest import HOAN_KIEM
from diemcau.questions.models import Question
from diemcau.questions.tests.helpers import URL, ask, post, put

pytestmark = pytest.mark.django_db
Make = Callable[..., Any]

SEAL = "Con dấu của xã mới sau sáp nhập được khắc ở đâu và khi nào được sử dụng?"
SECTOR = "van-phong-chinh-phu"


def _status(client: Any, question: dict[str, Any]) -> str:
    return str(client.get(f"{URL}/{question['id']}").json()["status"])


def test_a_question_joining_a_cluster_takes_its_state(make_site: Make, api_as: Make) -> None:
    sites = [make_site(HOAN_KIEM) for _ in range(4)]
    operators = [api_as("site_operator", s.code) for s in sites]
    first = ask(operators[0], sites[0].code, SEAL)
    assert first["status"] == "new"
    cid = first["cluster"]
    central = api_as("central_organiser")
    assert post(central, f"/clusters/{cid}/route", {"sector": SECTOR}).status_code == 200
    routed = ask(operators[1], sites[1].code, SEAL)
    assert (routed["cluster"], routed["status"]) == (cid, "routed")
    answerer = api_as("sector_answerer", SECTOR)
    assert put(answerer, f"/clusters/{cid}/answer", {"text": "Công an tỉnh."}).status_code == 200
    answered = ask(operators[2], sites[2].code, SEAL)
    assert (answered["cluster"], answered["status"]) == (cid, "answered")
    assert post(answerer, f"/clusters/{cid}/publish").status_code == 200
    published = ask(operators[3], sites[3].code, SEAL)
    assert (published["cluster"], published["status"]) == (cid, "published")
    for operator, question in zip(operators, (first, routed, answered, published), strict=True):
        assert _status(operator, question) == "published"  # the changes themselves still sync


def test_intake_does_not_rewrite_the_cluster(make_site: Make, api_as: Make) -> None:
    """The statements one question costs do not grow with its cluster, and none updates the
    cluster's other questions."""
    sites = [make_site(HOAN_KIEM) for _ in range(25)]
    operators = [api_as("site_operator", s.code) for s in sites]
    cid = ask(operators[0], sites[0].code, SEAL)["cluster"]

    def one(n: int) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert ask(operators[n], sites[n].code, SEAL)["cluster"] == cid
        return [q["sql"] for q in ctx.captured_queries]

    for n in range(1, 4):
        one(n)  # warm the engine's caches
    small = one(4)
    for n in range(5, 24):
        one(n)
    large = one(24)
    assert Question.objects.filter(cluster_id=cid).count() == 25
    table = Question._meta.db_table
    assert not [
        sql for sql in large if sql.lstrip().upper().startswith(f'UPDATE "{table}"'.upper())
    ]
    assert len(large) == len(small)
