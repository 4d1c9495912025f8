"""Every role against every question page, inside and outside its scope (a table, as pretix).

Reads outside the scope answer 404, forbidden writes 403, a role with no business on a page 403,
and anonymous visitors go to the login page — except the public knowledge base.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from diemcau.conftest import HANOI, HUE
from diemcau.questions.models import Question, QuestionStatus, Sector
from diemcau.questions.tests.test_views import SEAL, STAFF, World, answer, ask, make_world, route

pytestmark = pytest.mark.django_db

PAGES = (
    "list",
    "moderate",
    "cluster",
    "answer_form",
    "queue",
    "live",
    "sectors",
    "kb",
    "kb_detail",
)
WRITES = ("route", "answer", "reject", "add_sector")

# role, scope ("HN"/"HUE": the test sites) → expected status per page (GET), then per write (POST)
PROV, OP, ANS = "province_organiser", "site_operator", "sector_answerer"
TABLE: list[tuple[str, str | None, tuple[int, ...], tuple[int, ...]]] = [
    ("central_organiser", None, (200,) * 9, (302, 302, 302, 302)),
    (PROV, HANOI, (200, 200, 200, 403, 403, 200, 403, 200, 200), (302, 403, 302, 403)),
    (PROV, HUE, (200, 200, 404, 404, 403, 200, 403, 200, 200), (404, 404, 404, 403)),
    (OP, "HN", (200, 403, 200, 403, 403, 403, 403, 200, 200), (403, 403, 403, 403)),
    (OP, "HUE", (200, 403, 404, 404, 403, 403, 403, 200, 200), (404, 404, 404, 403)),
    (ANS, "noi-vu", (200, 403, 200, 200, 200, 403, 403, 200, 200), (403, 302, 403, 403)),
    (ANS, "y-te", (200, 403, 404, 404, 200, 403, 403, 200, 200), (404, 404, 404, 403)),
    ("viewer", None, (200, 403, 200, 403, 403, 200, 403, 200, 200), (403, 403, 403, 403)),
    ("viewer", HUE, (200, 403, 404, 404, 403, 200, 403, 200, 200), (404, 404, 404, 403)),
]  # fmt: skip


def _urls(world: World, question: Question, published: Question) -> dict[str, str]:
    cid, pid = question.cluster_id, published.cluster_id
    return {
        "list": "/questions/",
        "moderate": "/questions/moderate/",
        "cluster": f"/questions/clusters/{cid}/",
        "answer_form": f"/questions/clusters/{cid}/answer/",
        "queue": "/questions/answer/",
        "live": f"/questions/live/{world.session.pk}/",
        "sectors": "/questions/sectors/",
        "kb": "/hoi-dap/",
        "kb_detail": f"/hoi-dap/{pid}/",
    }


def _writes(client: Client, question: Question) -> tuple[int, ...]:
    cid = question.cluster_id
    return (
        client.post(f"/questions/clusters/{cid}/route/", {"sector": "noi-vu"}).status_code,
        client.post(f"/questions/clusters/{cid}/answer/", {"text": "Trả lời."}).status_code,
        client.post(f"/questions/{question.pk}/reject/", {"reason": "Trùng lặp"}).status_code,
        client.post(
            "/questions/sectors/", {"code": "thu-nghiem", "name": "Thử nghiệm"}
        ).status_code,
    )


@pytest.mark.parametrize(("role", "scope", "pages", "writes"), TABLE)
def test_role_and_scope_decide_every_page(
    make_site: Callable[..., Any],
    web_as: Callable[..., Client],
    role: str,
    scope: str | None,
    pages: tuple[int, ...],
    writes: tuple[int, ...],
) -> None:
    world = make_world(make_site)
    question = ask(world.hn, STAFF, session=world.session.pk)
    route(question, "noi-vu")
    published = ask(world.hue, SEAL)
    route(published, "van-phong-chinh-phu")
    answer(published, "Công an tỉnh cấp con dấu.")
    client = web_as(role, {"HN": world.hn.code, "HUE": world.hue.code}.get(scope or "", scope))
    urls = _urls(world, question, published)
    got = tuple(client.get(urls[name]).status_code for name in PAGES)
    assert dict(zip(PAGES, got, strict=True)) == dict(zip(PAGES, pages, strict=True))
    done = _writes(client, question)
    assert dict(zip(WRITES, done, strict=True)) == dict(zip(WRITES, writes, strict=True))
    question.refresh_from_db()
    rejected = question.status == QuestionStatus.REJECTED
    assert rejected == (writes[2] == 302)
    assert Sector.objects.filter(code="thu-nghiem").exists() == (writes[3] == 302)


def test_anonymous_visitors_sign_in_except_for_the_knowledge_base(
    make_site: Callable[..., Any],
) -> None:
    world = make_world(make_site)
    question = ask(world.hn, STAFF, session=world.session.pk)
    route(question, "noi-vu")
    answer(question, "Được hưởng chính sách theo Nghị định 154.")
    client = Client()
    for name, url in _urls(world, question, question).items():
        response = client.get(url)
        if name.startswith("kb"):
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/login/"), url
    for url in (
        f"/questions/clusters/{question.cluster_id}/route/",
        f"/questions/{question.pk}/reject/",
        "/questions/ask/",
    ):
        response = client.post(url, {"sector": "y-te", "reason": "x", "text": "x"})
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    question.refresh_from_db()
    assert question.status == QuestionStatus.PUBLISHED
