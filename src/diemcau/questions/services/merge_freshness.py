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

"Lost" is counted, not listed: the cluster's live questions up to the batch's newest
(`last_question`) against its size then. A cluster that both lost some and took in as many
older questions from another since is not told apart from one unchanged; storing every
question of every proposed cluster per batch would tell them apart at a cost each page view
pays (one row per question of those clusters joined on every read).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count

from diemcau.questions.models import Cluster, Question, QuestionStatus


@dataclass(frozen=True)
class StoredPair:
    """A stored proposal as read back: each side's cluster, first question and size then."""

    target: int
    source: int
    score: float
    target_first: int = 0
    source_first: int = 0
    target_size: int = 0
    source_size: int = 0


@dataclass(frozen=True)
class Sorted:
    """The pairs still offered (in their order), those outdated, those merged since."""

    current: list[StoredPair]
    outdated: list[StoredPair]
    merged: list[StoredPair]


def _intact(rows: Sequence[StoredPair], last_question: int) -> set[int]:
    """The clusters that still exist and hold at least as many of their then-questions.

    Counted from the cluster's live-question tally (kept by the database triggers of
    questions.upkeep) less its questions arrived since the batch, which the primary key finds
    without reading the clusters' older questions: the moderation page pays this per visit."""
    involved = {c for p in rows for c in (p.target, p.source)}
    live = dict(Cluster.objects.filter(pk__in=involved).values_list("pk", "live_questions"))
    arrived = dict(
        Question.objects.filter(pk__gt=last_question, cluster_id__in=list(live))
        .exclude(status=QuestionStatus.REJECTED)
        .order_by()  # no default ordering in the GROUP BY
        .values("cluster_id")
        .annotate(n=Count("pk"))
        .values_list("cluster_id", "n")
    )
    size = {p.target: p.target_size for p in rows} | {p.source: p.source_size for p in rows}
    return {c for c, n in live.items() if n - arrived.get(c, 0) >= size[c]}


def sort_out(rows: Iterable[StoredPair], last_question: int) -> Sorted:
    """Split the stored pairs into current, outdated and merged (see the module), in two or
    three queries whatever their number: the page and the moderation link read it per visit."""
    pairs = list(rows)
    if not pairs:
        return Sorted([], [], [])
    intact = _intact(pairs, last_question)
    current = [p for p in pairs if p.target in intact and p.source in intact]
    changed = [p for p in pairs if not (p.target in intact and p.source in intact)]
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
