"""An answer reaches the asking site once it is published: the ministry may still revise a draft.

The same rule for the API and the pages; the routed sector and central keep seeing their draft.
"""

from collections.abc import Callable
from typing import Any

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.questions.tests.helpers import URL, ask, post, put

pytestmark = pytest.mark.django_db
Make = Callable[..., Any]

SEAL = "Con dấu của xã mới sau sáp nhập được khắc ở đâu và khi nào được sử dụng?"
DRAFT = "BẢN NHÁP: Công an tỉnh khắc dấu theo quyết định thành lập."


def _answers_seen(client: Any, question: dict[str, Any]) -> list[Any]:
    """The answer as the question, the question list, the cluster and the cluster list show it."""
    cid = question["cluster"]
    listed = client.get(f"{URL}/", {"cluster": cid}).json()["items"]
    clusters = [c for c in client.get(f"{URL}/clusters").json() if c["id"] == cid]
    return [
        client.get(f"{URL}/{question['id']}").json()["answer"],
        *(item["answer"] for item in listed),
        client.get(f"{URL}/clusters/{cid}").json()["answer"],
        *(c["answer"] for c in clusters),
    ]


def test_an_unpublished_answer_reaches_the_site_only_once_published(
    make_site: Make, api_as: Make, web_as: Make
) -> None:
    site = make_site(HOAN_KIEM)
    operator = api_as("site_operator", site.code)
    question = ask(operator, site.code, SEAL)
    cid = question["cluster"]
    central = api_as("central_organiser")
    route = post(central, f"/clusters/{cid}/route", {"sector": "van-phong-chinh-phu"})
    assert route.status_code == 200
    answerer = api_as("sector_answerer", "van-phong-chinh-phu")
    assert put(answerer, f"/clusters/{cid}/answer", {"text": DRAFT}).status_code == 200

    organiser = api_as("province_organiser", HANOI)
    for asking_side in (operator, organiser):
        seen = _answers_seen(asking_side, question)
        assert len(seen) == 4 and seen == [None] * 4
        assert asking_side.get(f"{URL}/{question['id']}").json()["status"] == "answered"
    for answering_side in (answerer, central):
        assert answering_side.get(f"{URL}/clusters/{cid}").json()["answer"]["text"] == DRAFT
    page = web_as("site_operator", site.code).get(f"/questions/clusters/{cid}/")
    assert page.status_code == 200 and DRAFT not in page.content.decode()

    assert post(answerer, f"/clusters/{cid}/publish").status_code == 200
    for asking_side in (operator, organiser):
        seen = _answers_seen(asking_side, question)
        assert len(seen) == 4 and all(a is not None and a["text"] == DRAFT for a in seen)
        assert all(a["published_at"] is not None for a in seen)
    page = web_as("site_operator", site.code).get(f"/questions/clusters/{cid}/")
    assert DRAFT in page.content.decode()
