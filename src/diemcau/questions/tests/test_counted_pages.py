"""Pages whose rows bring the list's length with them (COUNT(*) OVER ()), on SQLite and
PostgreSQL: the knowledge base and the moderation root show the same rows, the same total and
the same paging as a separate count would, and a page past the end shows the last page.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from diemcau.accounts.scopes import Scope
from diemcau.questions import services
from diemcau.questions.services.knowledge import public_page
from diemcau.questions.services.listing import cluster_page, ranks_on_tallies
from diemcau.questions.tests.test_views import (
    CENTRAL,
    CLINIC,
    HUE,
    PROCEDURE,
    SEAL,
    STAFF,
    answer,
    ask,
    make_world,
    route,
)
from diemcau.questions.views.common import counted_page
from diemcau.units.models import Unit

pytestmark = pytest.mark.django_db
Make = Callable[..., Any]


def _published(make_site: Make) -> list[int]:
    """Three published answers (and one cluster without), newest first as the list shows; the
    seal asked by three sites."""
    world = make_world(make_site)
    clusters = []
    for site, text in ((world.hn, SEAL), (world.hn2, CLINIC), (world.hue, PROCEDURE)):
        question = ask(site, text)
        route(question, "noi-vu")
        answer(question, f"Trả lời về {text}")
        assert question.cluster_id is not None
        clusters.append(question.cluster_id)
    ask(world.hue, STAFF)
    ask(world.hn2, SEAL)
    ask(world.hue, SEAL)
    return [a.cluster_id for a in services.public_answers()]


def _page(get: dict[str, str], per_page: int, q: str | None = None) -> Any:
    request = RequestFactory().get("/hoi-dap/", get)
    return counted_page(
        request,
        per_page,
        lambda offset, limit: public_page(q, offset=offset, limit=limit),
        lambda: services.public_answers(q).count(),
    )


def test_knowledge_base_pages_carry_their_total(make_site: Make) -> None:
    listed = _published(make_site)
    assert len(listed) == 3
    rows, total = public_page(offset=0, limit=2)
    assert ([a.cluster_id for a in rows], total) == (listed[:2], 3)
    assert rows[0].n_sites == 1 and rows[0].question  # what the list shows of each
    assert public_page(offset=3, limit=2) == ([], None)  # past the end: the caller counts
    second = _page({"page": "2"}, 2)
    assert [a.cluster_id for a in second] == listed[2:]
    assert (second.number, second.paginator.count, second.paginator.num_pages) == (2, 3, 2)
    assert second.has_previous() and not second.has_next()
    # past the end, the last page (as Django's get_page); a wrong number, the first
    assert [a.cluster_id for a in _page({"page": "9"}, 2)] == listed[2:]
    assert _page({"page": "9"}, 2).number == 2
    assert [a.cluster_id for a in _page({"page": "x"}, 2)] == listed[:2]
    nothing = _page({}, 2, q="khong co tu nay")
    assert (list(nothing), nothing.paginator.count, nothing.number) == ([], 0, 1)
    assert _page({"page": "3"}, 2, q="khong co tu nay").number == 1


def test_knowledge_base_search_is_one_query_with_the_same_hits_and_total(
    make_site: Make, client: Any
) -> None:
    _published(make_site)
    for q in ("con dau", "CON DẤU", "xa", "tra loi xa", "khong co"):
        expected = [a.cluster_id for a in services.public_answers(q)]
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/hoi-dap/", {"q": q})
        assert response.status_code == 200
        page = response.context["page"]
        assert [a.cluster_id for a in page] == expected, q
        assert page.paginator.count == len(expected), q
        on_answers = [x for x in queries if '"questions_answer"' in x["sql"]]
        assert len(on_answers) == 1, q  # the page brought its count: no second search


def _ranked(
    scope: Scope, offset: int, limit: int, together: bool
) -> tuple[list[int], int, dict[int, list[int]]]:
    clusters = services.moderation_clusters(scope)
    rows, total, first = cluster_page(
        scope, clusters, offset, limit, per_cluster=2, count_with_page=together
    )
    if total is None:
        total = services.count_clusters(clusters)
    return [c.pk for c in rows], total, {pk: [q.pk for q in qs] for pk, qs in first.items()}


def test_moderation_root_counts_with_its_ranking_like_a_separate_count(
    make_site: Make, web_as: Any
) -> None:
    _published(make_site)
    clusters = services.moderation_clusters(CENTRAL)
    ranked = [c.pk for c in services.ranked_page(clusters, 0, 10)]
    assert len(ranked) == 4
    first = services.questions_of(CENTRAL, ranked, per_cluster=2)
    assert len(first[ranked[0]]) == 2
    for offset, limit in ((0, 2), (2, 2), (0, 10)):
        shown = ranked[offset : offset + limit]
        expected = (shown, len(ranked), {pk: [q.pk for q in first[pk]] for pk in shown})
        assert _ranked(CENTRAL, offset, limit, True) == expected
        assert _ranked(CENTRAL, offset, limit, False) == expected
    assert cluster_page(CENTRAL, clusters, 4, 2, per_cluster=2, count_with_page=True) == (
        [],
        None,
        {},
    )
    # the titles and tallies come with the rows either way
    row = cluster_page(CENTRAL, clusters, 0, 1, per_cluster=2, count_with_page=True)[0][0]
    assert row.title == SEAL and row.n_sites == 3  # three questions: two shown
    # only a list read from the tallies alone is counted with its page
    assert ranks_on_tallies(CENTRAL)
    assert not ranks_on_tallies(CENTRAL, services.QuestionFilters(q="con dau"))
    assert not ranks_on_tallies(CENTRAL, services.QuestionFilters(session=1))
    organiser = Scope(user_id=None, organiser_units=(Unit.objects.get(code=HUE),))
    assert not ranks_on_tallies(organiser)
    client = web_as("central_organiser")
    response = client.get("/questions/moderate/", {"page": "7"})
    assert response.status_code == 200  # past the end: the last page
    assert [c.pk for c, _qs in response.context["rows"]] == ranked
    assert response.context["page"].paginator.count == 4
    assert "<strong>4</strong>" in response.content.decode()
