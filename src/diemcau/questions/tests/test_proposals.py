"""Merges offered to moderators: twins intake kept apart are proposed, and accepting merges them."""

import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

from diemcau.accounts.scopes import Scope
from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM, HUE
from diemcau.questions.labelled import heldout_questions, labelled_questions
from diemcau.questions.models import Lesson, LessonKind, Question
from diemcau.questions.proposals import accepted, merge_proposals
from diemcau.questions.services.merge_offers import compute, merge_offers
from diemcau.questions.similarity import Vectoriser, cluster_texts, pair_scores
from diemcau.questions.tests.helpers import ask

Make = Callable[..., Any]

# Two ways of asking who manages the markets once the district level is gone: intake keeps them
# apart (they share little beyond "quản lý chợ … sau"), the batch look proposes them.
MARKET = "Quản lý chợ trên địa bàn sau khi bỏ huyện giao cho ai?"
MARKET_OTHER = "Thẩm quyền quản lý và phát triển chợ thuộc xã hay tỉnh sau sắp xếp?"


def _after_proposals(rows: Any, seed: int = 0) -> tuple[float, float, int]:
    """F1 of intake's clusters, F1 once every proposal is accepted, proposals made."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    texts, truth = [rows[i].text for i in order], [rows[i].group for i in order]
    vec = Vectoriser().fit(texts)
    labels = cluster_texts(texts, vectoriser=vec)
    cluster_of = dict(enumerate(labels))
    found = merge_proposals({i: vec.vector(t) for i, t in enumerate(texts)}, cluster_of, vec)
    merged = accepted(cluster_of, found)
    after = pair_scores([merged[i] for i in range(len(texts))], truth)["f1"]
    return pair_scores(labels, truth)["f1"], after, len(found)


# Floors at what bench/bench_question_quality.py measured ("merge_proposals"; this is its first
# seeded order, exact): tuning 0.734 → 0.752 with 13 proposals, held-out 0.655 → 0.713 with 46.
def test_accepting_the_proposals_raises_cluster_f1_on_both_sets() -> None:
    before, after, shown = _after_proposals(labelled_questions())
    assert after >= 0.752 > before and shown <= 20
    before, after, shown = _after_proposals(heldout_questions())
    assert after >= 0.713 and before < 0.66 and shown <= 60


def test_accepting_chains_merges_and_never_splits() -> None:
    rows = labelled_questions()
    texts = [r.text for r in rows]
    vec = Vectoriser().fit(texts)
    labels = cluster_texts(texts, vectoriser=vec)
    cluster_of = dict(enumerate(labels))
    found = merge_proposals({i: vec.vector(t) for i, t in enumerate(texts)}, cluster_of, vec)
    merged = accepted(cluster_of, found)
    # every question stays with the questions it was with: clusters are only joined, each at
    # most once per proposal
    assert all(len({merged[i] for i in cluster_of if labels[i] == c}) == 1 for c in set(labels))
    assert len(set(labels)) - len(found) <= len(set(merged.values())) < len(set(labels))
    assert all(p.target < p.source for p in found)  # the older cluster receives


@pytest.mark.django_db
def test_a_moderator_is_offered_the_twins_and_accepting_merges_them(
    make_site: Make, api_as: Make, make_user: Make
) -> None:
    sites = [make_site(HOAN_KIEM) for _ in range(2)]
    one = ask(api_as("site_operator", sites[0].code), sites[0].code, MARKET)
    two = ask(api_as("site_operator", sites[1].code), sites[1].code, MARKET_OTHER)
    assert one["cluster"] != two["cluster"]  # intake alone keeps them apart

    compute()
    offers = merge_offers(Scope(user_id=0, everything=True))
    assert [(o.target.pk, o.source.pk) for o in offers] == [(one["cluster"], two["cluster"])]
    assert offers[0].target_text == MARKET and offers[0].source_text == MARKET_OTHER

    # Another province's organiser may not merge Hà Nội's clusters: nothing is offered.
    hue = make_user("province_organiser", HUE)
    runner = CliRunner()
    listed = runner.invoke(
        main, ["questions", "propose-merges", "--json", "--as-user", hue.username]
    )
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == []
    refused = runner.invoke(
        main,
        [
            "questions",
            "propose-merges",
            "--as-user",
            hue.username,
            "--accept",
            f"{one['cluster']}:{two['cluster']}",
        ],
    )
    assert refused.exit_code != 0
    assert Question.objects.filter(cluster_id=two["cluster"]).exists()

    hanoi = make_user("province_organiser", HANOI)
    listed = runner.invoke(
        main, ["questions", "propose-merges", "--json", "--as-user", hanoi.username]
    )
    assert [(r["target"], r["source"]) for r in json.loads(listed.stdout)] == [
        (one["cluster"], two["cluster"])
    ]
    done = runner.invoke(
        main,
        [
            "questions",
            "propose-merges",
            "--as-user",
            hanoi.username,
            "--accept",
            f"{one['cluster']}:{two['cluster']}",
        ],
    )
    assert done.exit_code == 0, done.output
    assert set(Question.objects.values_list("cluster_id", flat=True)) == {one["cluster"]}
    assert Lesson.objects.get().kind == LessonKind.SAME  # the ordinary merge, which teaches
    assert merge_offers(Scope(user_id=0, everything=True)) == []


@pytest.mark.django_db
def test_the_proposals_page_merges_with_one_button_and_comes_back(
    make_site: Make, api_as: Make, web_as: Make
) -> None:
    sites = [make_site(HOAN_KIEM) for _ in range(2)]
    one = ask(api_as("site_operator", sites[0].code), sites[0].code, MARKET)
    two = ask(api_as("site_operator", sites[1].code), sites[1].code, MARKET_OTHER)
    compute()
    assert web_as("province_organiser", HUE).get("/questions/moderate/merges/").status_code == 200
    assert (
        MARKET
        not in web_as("province_organiser", HUE).get("/questions/moderate/merges/").content.decode()
    )  # another province's organiser is offered nothing of Hà Nội's
    organiser = web_as("province_organiser", HANOI)
    page = organiser.get("/questions/moderate/merges/").content.decode()
    assert MARKET in page and MARKET_OTHER in page
    assert f'action="/questions/clusters/{one["cluster"]}/merge/"' in page
    done = organiser.post(
        f"/questions/clusters/{one['cluster']}/merge/",
        {"other": two["cluster"], "next": "/questions/moderate/merges/"},
    )
    assert done.status_code == 302 and done["Location"] == "/questions/moderate/merges/"
    assert set(Question.objects.values_list("cluster_id", flat=True)) == {one["cluster"]}
    assert MARKET not in organiser.get("/questions/moderate/merges/").content.decode()
