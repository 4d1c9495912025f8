"""Stored merge proposals: computed by a background task, read (not recomputed) by the page, the
moderation link and the API; dismissed pairs hidden until undone; each reader's scope."""

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from diemcau.audit.models import Entry
from diemcau.conftest import HANOI, HOAN_KIEM, HUE
from diemcau.questions.models import MergeDismissal, MergeProposalBatch, Question
from diemcau.questions.services import merge_offers
from diemcau.questions.tests.helpers import ask
from diemcau.questions.tests.test_proposals import MARKET, MARKET_OTHER
from diemcau.tasks.models import Task

Make = Callable[..., Any]
PAGE = "/questions/moderate/merges/"
API = "/api/v1/questions/merge-proposals"


@pytest.fixture
def twins(make_site: Make, api_as: Make) -> tuple[int, int]:
    """Two Hà Nội clusters intake kept apart that the batch look proposes to merge."""
    sites = [make_site(HOAN_KIEM) for _ in range(2)]
    one = ask(api_as("site_operator", sites[0].code), sites[0].code, MARKET)
    two = ask(api_as("site_operator", sites[1].code), sites[1].code, MARKET_OTHER)
    assert one["cluster"] != two["cluster"]
    return one["cluster"], two["cluster"]


@pytest.mark.django_db
def test_the_page_reads_the_stored_batch_and_recompute_is_a_task(
    twins: tuple[int, int], web_as: Make
) -> None:
    target, source = twins
    organiser = web_as("province_organiser", HANOI)
    page = organiser.get(PAGE).content.decode()
    assert MARKET not in page  # nothing computed yet: nothing offered, no batch looked for

    started = organiser.post("/questions/moderate/merges/compute/")
    task = Task.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/tasks/{task.pk}/"
    assert task.status == "done" and task.result["proposals"] == 1
    assert "Đã tính 1 đề xuất gộp cụm." in organiser.get(started["Location"]).content.decode()

    real = merge_offers.merge_proposals
    with mock.patch.object(merge_offers, "merge_proposals", side_effect=real) as computing:
        page = organiser.get(PAGE).content.decode()
        listing = organiser.get("/questions/moderate/").content.decode()
    assert computing.call_count == 0  # served from the store
    assert MARKET in page and MARKET_OTHER in page
    batch = MergeProposalBatch.objects.get()
    assert f"Tính lúc {timezone.localtime(batch.computed_at):%H:%M}" in page
    assert (
        "Đề xuất gộp cụm: 1 đang chờ" in listing and 'href="/questions/moderate/merges/"' in listing
    )

    # a merge since the batch: the pair is no longer offered, without recomputing
    organiser.post(f"/questions/clusters/{target}/merge/", {"other": source})
    assert set(Question.objects.values_list("cluster_id", flat=True)) == {target}
    assert merge_offers.stored_offers(merge_offers.Scope(user_id=0, everything=True)).offers == []


@pytest.mark.django_db
def test_dismissing_hides_the_pair_from_every_batch_and_undo_restores_it(
    twins: tuple[int, int], web_as: Make, make_user: Make
) -> None:
    target, source = twins
    merge_offers.compute()
    organiser = web_as("province_organiser", HANOI)
    done = organiser.post(f"/questions/moderate/merges/{target}/{source}/dismiss/")
    assert done.status_code == 302
    dismissal = MergeDismissal.objects.get()
    assert dismissal.dismissed_by is not None and dismissal.dismissed_at is not None
    assert Entry.objects.filter(event="merge_dismiss").count() == 1
    page = organiser.get(PAGE).content.decode()
    # offered no more: no merge button for it, only the undo in the dismissed list
    assert f'action="/questions/clusters/{target}/merge/"' not in page
    assert f'action="/questions/moderate/merges/{target}/{source}/restore/"' in page
    merge_offers.compute()  # a new batch proposes it again: still dismissed
    assert (
        f'action="/questions/clusters/{target}/merge/"' not in organiser.get(PAGE).content.decode()
    )

    organiser.post(f"/questions/moderate/merges/{target}/{source}/restore/")
    assert not MergeDismissal.objects.exists()
    assert Entry.objects.filter(event="merge_restore").count() == 1
    assert f'action="/questions/clusters/{target}/merge/"' in organiser.get(PAGE).content.decode()


@pytest.mark.django_db
def test_other_provinces_and_roles_cannot_see_or_dismiss(
    twins: tuple[int, int], web_as: Make
) -> None:
    target, source = twins
    merge_offers.compute()
    hue = web_as("province_organiser", HUE)
    assert MARKET not in hue.get(PAGE).content.decode()
    # Hà Nội's clusters do not exist for Huế's organiser
    assert hue.post(f"/questions/moderate/merges/{target}/{source}/dismiss/").status_code == 404
    assert "Đề xuất gộp cụm: 0 đang chờ" in hue.get("/questions/moderate/").content.decode()
    assert web_as("viewer", HANOI).get(PAGE).status_code == 403
    assert web_as("viewer", HANOI).post("/questions/moderate/merges/compute/").status_code == 403
    assert not MergeDismissal.objects.exists() and not Task.objects.exists()


@pytest.mark.django_db
def test_the_api_lists_accepts_dismisses_and_restores_in_scope(
    twins: tuple[int, int], api_as: Make
) -> None:
    target, source = twins
    organiser = api_as("province_organiser", HANOI)
    started = organiser.post(f"{API}/compute")
    assert started.status_code == 202 and Task.objects.filter(pk=started.json()["task"]).exists()
    listed = organiser.get(API).json()
    assert listed["computed_at"] and listed["waiting"] == 1
    assert [(r["target"], r["source"]) for r in listed["items"]] == [(target, source)]

    hue = api_as("province_organiser", HUE)
    assert hue.get(API).json()["items"] == []
    assert hue.post(f"{API}/{target}/{source}/dismiss").status_code == 404
    assert hue.post(f"{API}/{target}/{source}/accept").status_code == 404
    assert api_as("viewer", HANOI).get(API).status_code == 403

    assert organiser.post(f"{API}/{target}/{source}/dismiss").status_code == 204
    listed = organiser.get(API).json()
    assert listed["items"] == [] and listed["dismissed"][0]["target"] == target
    assert organiser.delete(f"{API}/{target}/{source}/dismiss").status_code == 204
    assert organiser.get(API).json()["waiting"] == 1

    accepted = organiser.post(f"{API}/{target}/{source}/accept")
    assert accepted.status_code == 200 and accepted.json()["id"] == target
    assert set(Question.objects.values_list("cluster_id", flat=True)) == {target}
    assert organiser.get(API).json()["items"] == []
