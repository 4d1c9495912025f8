"""An old batch of merge proposals queues its own recompute when read, one at a time."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.questions.models import MergeProposalBatch
from diemcau.questions.services import merge_offers, merge_refresh
from diemcau.questions.tests.helpers import ask
from diemcau.questions.tests.test_merge_freshness import LAND, clusters  # noqa: F401 - fixture
from diemcau.tasks.models import Task

Make = Callable[..., Any]
PAGE = "/questions/moderate/merges/"
API = "/api/v1/questions/merge-proposals"


def age(minutes: int) -> None:
    """The stored batch as if computed `minutes` ago."""
    MergeProposalBatch.objects.update(computed_at=timezone.now() - timedelta(minutes=minutes))


def refreshes() -> int:
    return Task.objects.filter(kind=merge_offers.TASK_KIND).count()


@pytest.mark.django_db
def test_an_old_batch_queues_exactly_one_recompute_however_many_read_it(
    clusters: dict[str, int],  # noqa: F811 - the fixture
    make_site: Make,
    api_as: Make,
    web_as: Make,
    settings: Any,
) -> None:
    settings.DIEMCAU_TASKS_INLINE = False  # queued for a worker, as in production
    site = make_site(HOAN_KIEM)
    ask(api_as("site_operator", site.code), site.code, LAND)  # one question since the batch
    organiser = web_as("province_organiser", HANOI)
    assert "đang tự tính lại" not in organiser.get(PAGE).content.decode()
    assert refreshes() == 0  # young: not yet

    age(merge_refresh.MAX_AGE.seconds // 60 + 1)
    pages = [organiser.get(PAGE).content.decode() for _ in range(5)]
    organiser.get("/questions/moderate/")  # the moderation page's link reads it too
    listed = api_as("province_organiser", HANOI).get(API).json()
    assert refreshes() == 1
    task = Task.objects.get(kind=merge_offers.TASK_KIND)
    assert task.status == "queued" and task.params == {"automatic": True}
    assert all("đang tự tính lại…" in page for page in pages) and listed["refreshing"]


@pytest.mark.django_db
def test_two_readers_of_the_same_old_batch_queue_one_recompute(
    clusters: dict[str, int],  # noqa: F811 - the fixture
    settings: Any,
) -> None:
    settings.DIEMCAU_TASKS_INLINE = False
    age(60)
    # both read the batch before either claimed it: the conditional UPDATE picks one
    first, second = MergeProposalBatch.objects.get(), MergeProposalBatch.objects.get()
    assert merge_refresh.refreshing(first, outdated=1)
    assert merge_refresh.refreshing(second, outdated=1)
    assert refreshes() == 1

    # a claim that produced no batch (the worker down) is made again once expired
    MergeProposalBatch.objects.update(
        refresh_queued_at=timezone.now() - merge_refresh.CLAIM_EXPIRY - timedelta(seconds=1)
    )
    Task.objects.update(status="failed")
    assert merge_refresh.refreshing(MergeProposalBatch.objects.get(), outdated=1)
    assert refreshes() == 2


@pytest.mark.django_db
def test_outdated_proposals_are_recomputed_once_the_batch_is_old_enough(
    clusters: dict[str, int],  # noqa: F811 - the fixture
    web_as: Make,
) -> None:
    organiser = web_as("province_organiser", HANOI)
    organiser.post(f"/questions/clusters/{clusters['land']}/merge/", {"other": clusters["other"]})
    assert "1 đề xuất đã cũ" in organiser.get(PAGE).content.decode()
    assert refreshes() == 0  # within MIN_AGE of its computation: never back to back

    age(merge_refresh.MIN_AGE.seconds // 60 + 1)
    organiser.get(PAGE)  # tests run the task inline: the batch is recomputed here
    assert refreshes() == 1 and Task.objects.get().status == "done"
    page = organiser.get(PAGE).content.decode()
    assert "đã cũ" not in page and "đang tự tính lại" not in page
    assert refreshes() == 1


@pytest.mark.django_db
def test_no_recompute_is_queued_beside_a_moderators_own(
    clusters: dict[str, int],  # noqa: F811 - the fixture
    web_as: Make,
    settings: Any,
) -> None:
    settings.DIEMCAU_TASKS_INLINE = False
    organiser = web_as("province_organiser", HANOI)
    organiser.post(f"/questions/clusters/{clusters['land']}/merge/", {"other": clusters["other"]})
    organiser.post("/questions/moderate/merges/compute/")  # "Tính lại", queued
    age(60)  # old, with an outdated proposal: would be recomputed but for the queued one
    assert "đang tự tính lại…" in organiser.get(PAGE).content.decode()
    assert refreshes() == 1
