"""The merge proposals recompute themselves when their batch has grown old.

A batch is a snapshot; during a session questions keep arriving and moderators keep merging and
splitting, so a batch a moderator never thinks to recompute drifts from the clusters (its pairs
go outdated, new twins are never proposed). Reading the proposals (the proposals page, the
moderation page's link, the API) therefore queues the same background task as "Tính lại" once
the batch is old:

- never within MIN_AGE of its computation: a batch costs seconds of CPU at a conference's scale
  (4 s at 50,000 questions, bench/README.md), a busy half hour must not run it back to back;
- then as soon as one of its proposals for the reader is outdated (a moderator changed a
  cluster: the page already says "bấm Tính lại"), or ARRIVALS questions arrived since it, or
  any arrived and it is MAX_AGE old (a slow trickle still gets looked at).

At most one at a time: the batch row is claimed by one conditional UPDATE (`refresh_queued_at`),
which one reader wins however many look at once, and no claim is made while a "Tính lại" task is
queued or running. A claim that produced no new batch (the worker down, the task failed) may be
made again after CLAIM_EXPIRY. Nothing is computed in the request; a reader pays at most a few
indexed queries, and none while a claim stands or the batch is younger than MIN_AGE.
"""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from diemcau.questions.models import MergeProposalBatch, Question
from diemcau.questions.services.merge_offers import TASK_KIND

MIN_AGE = timedelta(minutes=2)
MAX_AGE = timedelta(minutes=15)
ARRIVALS = 200
CLAIM_EXPIRY = timedelta(minutes=10)


def _claimed(batch: MergeProposalBatch, now: datetime) -> bool:
    return batch.refresh_queued_at is not None and now - batch.refresh_queued_at < CLAIM_EXPIRY


def is_old(batch: MergeProposalBatch, outdated: int, now: datetime) -> bool:
    """Old enough to recompute (see the module): at most one query, a bounded count."""
    age = now - batch.computed_at
    if age < MIN_AGE:
        return False
    if outdated:
        return True
    arrived = Question.objects.filter(pk__gt=batch.last_question)[:ARRIVALS].count()
    return arrived >= ARRIVALS or (arrived > 0 and age >= MAX_AGE)


def refreshing(batch: MergeProposalBatch | None, outdated: int) -> bool:
    """After a reader read `batch`: queue its recompute if it is old and nobody has (see the
    module). True while a recompute is under way (queued by this reader or an earlier one), for
    the page to say so."""
    from diemcau.tasks.models import Task, TaskStatus
    from diemcau.tasks.services import submit

    if batch is None:
        return False
    now = timezone.now()
    if _claimed(batch, now):
        return True
    if not is_old(batch, outdated, now):
        return False
    if Task.objects.filter(
        kind=TASK_KIND, status__in=[TaskStatus.QUEUED, TaskStatus.RUNNING]
    ).exists():
        return True  # a moderator's "Tính lại" is on its way
    won = (
        MergeProposalBatch.objects.filter(pk=batch.pk)
        .filter(Q(refresh_queued_at__isnull=True) | Q(refresh_queued_at__lt=now - CLAIM_EXPIRY))
        .update(refresh_queued_at=now)
    )
    if won:
        submit(TASK_KIND, None, {"automatic": True})
    return True
