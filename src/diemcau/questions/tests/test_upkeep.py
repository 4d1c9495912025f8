"""What the database keeps for the question pages (questions.upkeep), on SQLite and PostgreSQL.

The tallies the moderation list ranks on must equal a recount after any write, whoever makes
it; the knowledge-base search must find exactly what reading every published text would.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from diemcau.questions import services, upkeep
from diemcau.questions.models import Answer, Cluster, ClusterSite, Question, QuestionStatus
from diemcau.questions.tests.test_views import (
    CENTRAL,
    CLINIC,
    PROCEDURE,
    SEAL,
    STAFF,
    answer,
    ask,
    make_world,
    route,
)
from diemcau.textnorm import fold

pytestmark = pytest.mark.django_db
Make = Callable[..., Any]


def _recount() -> dict[int, tuple[int, int]]:
    rows = (
        Question.objects.filter(cluster__isnull=False)
        .exclude(status=QuestionStatus.REJECTED)
        .values("cluster")
        .annotate(sites=Count("site", distinct=True), n=Count("id"))
    )
    return {row["cluster"]: (row["sites"], row["n"]) for row in rows}


def _tallies() -> dict[int, tuple[int, int]]:
    return {
        pk: (sites, n)
        for pk, sites, n in Cluster.objects.values_list("pk", "live_sites", "live_questions")
        if sites or n
    }


def _merge(into: Question, other: Question) -> None:
    """Fold `other`'s cluster into `into`'s, unless intake already joined them."""
    into.refresh_from_db()
    other.refresh_from_db()
    assert into.cluster_id is not None and other.cluster_id is not None
    if into.cluster_id != other.cluster_id:
        services.merge_clusters(CENTRAL, into.cluster_id, other.cluster_id)


def test_tallies_equal_a_recount_after_every_kind_of_write(make_site: Make) -> None:
    world = make_world(make_site)
    seal = [ask(world.hn, SEAL), ask(world.hn2, SEAL), ask(world.hn, SEAL), ask(world.hue, SEAL)]
    clinic = ask(world.hue, CLINIC)
    staff = ask(world.hn, STAFF)
    assert _tallies() == _recount()
    for question in seal[1:]:
        _merge(seal[0], question)
    seal[0].refresh_from_db()
    assert seal[0].cluster is not None
    assert (seal[0].cluster.live_sites, seal[0].cluster.live_questions) == (3, 4)
    _merge(seal[0], clinic)  # a merge moves the counts and the cluster left behind goes
    assert _tallies() == _recount()
    services.split_questions(CENTRAL, seal[0].cluster_id or 0, [clinic.pk])
    assert _tallies() == _recount()
    services.reject_question(CENTRAL, seal[3].pk, "Trùng lặp")  # Huế's only seal question
    seal[0].refresh_from_db()
    assert seal[0].cluster is not None
    assert (seal[0].cluster.live_sites, seal[0].cluster.live_questions) == (2, 3)
    assert _tallies() == _recount()
    # writes that bypass the services: a bulk update, a delete, a bulk load, a cluster deleted
    Question.objects.filter(pk=seal[2].pk).update(site=world.hue)
    assert _tallies() == _recount()
    Question.objects.filter(pk=seal[1].pk).delete()
    assert _tallies() == _recount()
    Question.objects.filter(pk=seal[3].pk).update(status=QuestionStatus.NEW)  # un-rejected
    assert _tallies() == _recount()
    Question.objects.bulk_create(
        [
            Question(text=STAFF, text_folded=fold(STAFF), site=s, unit=s.unit, cluster_id=into)
            for s, into in ((world.hue, staff.cluster_id), (world.hn2, staff.cluster_id))
        ]
    )
    assert _tallies() == _recount()
    staff.refresh_from_db()
    assert staff.cluster is not None
    assert (staff.cluster.live_sites, staff.cluster.live_questions) == (3, 3)
    Cluster.objects.filter(pk=staff.cluster_id).delete()  # its questions lose their cluster
    assert _tallies() == _recount()
    assert not ClusterSite.objects.filter(cluster_id=staff.cluster_id).exists()
    # a stale copy of a cluster saved whole does not write its old counts back
    stale = Cluster.objects.get(pk=seal[0].cluster_id)
    ask(world.hn2, SEAL)
    _merge(seal[0], Question.objects.latest("pk"))
    stale.confidence = 0.5
    stale.save()
    assert _tallies() == _recount()


def test_moderation_list_ranks_by_the_tallies(make_site: Make) -> None:
    world = make_world(make_site)
    seal = [ask(site, SEAL) for site in (world.hn, world.hn2, world.hue)]
    for question in seal[1:]:
        _merge(seal[0], question)
    procedure = [ask(world.hn, PROCEDURE), ask(world.hn, PROCEDURE)]
    _merge(procedure[0], procedure[1])
    clinic = ask(world.hue, CLINIC)
    ranked = list(services.moderation_clusters(CENTRAL))
    recount = _recount()
    assert [(c.n_sites, c.n_questions) for c in ranked] == sorted(
        (recount[c.pk] for c in ranked), reverse=True
    )
    assert ranked[0].pk == Question.objects.get(pk=seal[0].pk).cluster_id
    assert ranked[-1].pk == Question.objects.get(pk=clinic.pk).cluster_id
    assert ranked[0].title == SEAL


def _published_texts() -> dict[int, list[str]]:
    """What the search means, computed the slow way: published answers and their live questions."""
    texts: dict[int, list[str]] = {}
    for cluster_id, text in Answer.objects.filter(published_at__isnull=False).values_list(
        "cluster_id", "text_folded"
    ):
        texts[cluster_id] = [text]
    for cluster_id, text in (
        Question.objects.filter(cluster_id__in=list(texts))
        .exclude(status=QuestionStatus.REJECTED)
        .values_list("cluster_id", "text")
    ):
        texts[cluster_id].append(fold(text))
    return texts


def _found(q: str) -> list[int]:
    return [a.cluster_id for a in services.public_answers(q)]


def test_search_finds_words_of_published_answers_and_their_live_questions(
    make_site: Make,
) -> None:
    world = make_world(make_site)
    seal = ask(world.hn, SEAL)
    route(seal, "cong-an")
    answer(seal, "Công an tỉnh cấp mẫu dấu mới.", ("Nghị định 99/2016/NĐ-CP",))
    staff = ask(world.hue, STAFF)
    route(staff, "noi-vu")
    answer(staff, "Theo Nghị định 178/2024/NĐ-CP, 100% được hưởng.", publish=False)
    assert _found("con dau") == _found("CON DẤU") == _found("Con  Dấu") == [seal.cluster_id]
    assert _found("99/2016") == [seal.cluster_id]  # a legal reference
    assert _found("mau dau") == [seal.cluster_id]  # the answer's words
    assert _found("khac cong") == [seal.cluster_id]  # one word asked, the other answered
    assert _found("178/2024") == _found("doi du") == []  # a draft is not public
    # a question joining a published cluster is found by its words; rejected, it is not
    late = ask(world.hue, "Thị xã Quảng Trị hỏi: bao giờ được dùng con dấu mới?")
    _merge(seal, late)
    assert _found("quang tri") == [seal.cluster_id]
    services.reject_question(CENTRAL, late.pk, "Trùng lặp")
    assert _found("quang tri") == []
    # a rewritten answer is searched by its new words only
    answer(seal, "Con dấu do Công an cấp tỉnh cấp.", ("Nghị định 56/2023/NĐ-CP",))
    assert _found("99/2016") == [] and _found("56/2023") == [seal.cluster_id]
    services.publish_answer(CENTRAL, staff.cluster_id or 0)
    assert _found("178/2024") == [staff.cluster_id]
    # the same substring test as reading every published text: short words, odd characters
    texts = _published_texts()
    for query in ("xa", "ho", "dau", "100%", "100", "%", "_", 'a"b', "nd-cp", "a", "sau xa", ""):
        words = fold(query).split()
        expected = {
            cluster_id
            for cluster_id, parts in texts.items()
            if all(any(word in part for part in parts) for word in words)
        }
        assert set(_found(query)) == expected, query
    assert {a.cluster_id: a.n_sites for a in services.public_answers()} == {
        seal.cluster_id: 1,
        staff.cluster_id: 1,
    }
    # a deleted cluster takes its search text with it (PostgreSQL keeps one row per cluster)
    Cluster.objects.filter(pk=staff.cluster_id).delete()
    assert _found("178/2024") == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT cluster_id FROM questions_kb_doc")
            assert {row[0] for row in cursor.fetchall()} == {seal.cluster_id}


def _drop_one_trigger() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER questions_tally_insert")
        else:
            cursor.execute("DROP TRIGGER questions_tally_insert ON questions_question")


def test_a_missing_trigger_is_put_back_and_everything_recounted(make_site: Make) -> None:
    world = make_world(make_site)
    ask(world.hn, SEAL)
    assert upkeep.installed()
    _drop_one_trigger()
    assert not upkeep.installed()
    missed = ask(world.hue, CLINIC)  # not counted while the trigger is away
    assert missed.cluster_id not in _tallies()
    assert upkeep.install() is True
    assert upkeep.installed() and _tallies() == _recount()
    assert upkeep.install() is False  # nothing left to do


def test_search_texts_written_while_their_trigger_was_away_are_indexed_again(
    make_site: Make,
) -> None:
    world = make_world(make_site)
    seal = ask(world.hn, SEAL)
    route(seal, "cong-an")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in upkeep.SQLITE_FTS_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute("DROP TRIGGER questions_kb_doc_answer ON questions_answer")
            for name in ("questions_kb_doc_question", "questions_kb_doc_question_update"):
                cursor.execute(f"DROP TRIGGER {name} ON questions_question")
    assert not upkeep.installed()
    answer(seal, "Công an tỉnh cấp mẫu dấu mới.")
    assert _found("mau dau") == _found("con dau") == []  # published while nothing indexed
    assert upkeep.install() is True
    assert _found("mau dau") == _found("con dau") == [seal.cluster_id]
