"""Which stored merge proposals still hold: the batch is a snapshot, the clusters move on.

A stored proposal says "these two clusters, as they were when computed, are one question". The
page, the API and the CLI must not offer one whose clusters are no longer those clusters:

- a cluster gone (merged into another, by accepting another proposal or by hand; deleted):
  the pair is dropped; it is *merged*, not outdated, when both sides' first questions now sit in
  one cluster (the proposal itself, or the same merge made by hand: nothing left to do);
- a cluster that lost any of the live questions it had (some split off, moved or rejected):
  dropped as *outdated*. A moderator reshaped it, and what left may be what made it look like
  the other; the next batch judges what is left.
- a cluster that only gained (new questions from the sites, another cluster merged into it) or
  was answered or published keeps its proposal: everything the proposal compared is still in
  it, and merging still unites the two (a pair both answered is left out when read, as the merge
  refuses it: services.merge_offers._mergeable). Accepting one proposal of a target therefore
  keeps that target's other proposals.

"Lost" is counted, not listed: the cluster's live-question tally less the questions arrived
after the batch's newest (`last_question`), against its size then. A cluster that both lost
some and took in as many older questions from another since is not told apart from one
unchanged; storing every question of every proposed cluster per batch would tell them apart at
a cost each page view pays (one row per question of those clusters joined on every read).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from diemcau.questions.models import (
    Cluster,
    MergeProposalBatch,
    Question,
    QuestionStatus,
    StoredMergeProposal,
)


@dataclass(frozen=True)
class StoredPair:
    """A stored proposal as read back: each side's cluster, first question and size then, and
    its live-question tally now (None: the cluster is gone)."""

    target: int
    source: int
    score: float
    target_first: int = 0
    source_first: int = 0
    target_size: int = 0
    source_size: int = 0
    target_live: int | None = None
    source_live: int | None = None


@dataclass(frozen=True)
class Sorted:
    """The pairs still offered (in their order), those outdated, those merged since."""

    current: list[StoredPair]
    outdated: list[StoredPair]
    merged: list[StoredPair]


def _live(side: str) -> Subquery:
    return Subquery(Cluster.objects.filter(pk=OuterRef(f"{side}_id")).values("live_questions")[:1])


def read(batch: MergeProposalBatch) -> list[StoredPair]:
    """The batch's pairs best first, each cluster's tally beside it: one query (a looked-up
    tally per row, not a list of every cluster's id sent back in a second one)."""
    return [
        StoredPair(*values)
        for values in StoredMergeProposal.objects.filter(batch=batch)
        .order_by("rank")
        .annotate(target_live=_live("target"), source_live=_live("source"))
        .values_list(
            "target_id",
            "source_id",
            "score",
            "target_first",
            "source_first",
            "target_size",
            "source_size",
            "target_live",
            "source_live",
        )
    ]


def _arrived(last_question: int) -> Counter[int]:
    """Live questions per cluster arrived since the batch: a range of the primary key, as short
    as the automatic refresh (merge_refresh) keeps the time since. Counted here, not by a GROUP
    BY, which SQLite answers by walking the whole cluster index (every question) instead."""
    return Counter(
        Question.objects.filter(pk__gt=last_question)
        .exclude(status=QuestionStatus.REJECTED)
        .order_by()
        .values_list("cluster_id", flat=True)
    )


def _holds(live: int | None, arrived: int, size: int) -> bool:
    """Still there, with at least as many of its then-questions: the tally (kept by the
    database triggers of questions.upkeep) less the arrivals since."""
    return live is not None and live - arrived >= size


def sort_out(pairs: Sequence[StoredPair], last_question: int) -> Sorted:
    """Split the stored pairs (from `read`) into current, outdated and merged (see the module):
    one query, and one more when some changed, whatever their number: the page and the
    moderation link read it per visit."""
    if not pairs:
        return Sorted([], [], [])
    arrived = _arrived(last_question)
    current: list[StoredPair] = []
    changed: list[StoredPair] = []
    for p in pairs:
        intact = _holds(p.target_live, arrived.get(p.target, 0), p.target_size) and _holds(
            p.source_live, arrived.get(p.source, 0), p.source_size
        )
        (current if intact else changed).append(p)
    now_in = dict(
        Question.objects.filter(
            pk__in={q for p in changed for q in (p.target_first, p.source_first)}
        ).values_list("pk", "cluster_id")
        if changed
        else []
    )
    merged: list[StoredPair] = []
    outdated: list[StoredPair] = []
    for p in changed:
        together = now_in.get(p.target_first) is not None and now_in.get(
            p.target_first
        ) == now_in.get(p.source_first)
        (merged if together else outdated).append(p)
    return Sorted(current, outdated, merged)
