"""Merge proposals for moderators: the batch look (proposals.py) over the clusters in the database.

The proposals are computed over every live question (a question's hubness depends on the whole
set) by `compute`, a background task ("Tính lại" on the page), and stored with the time computed:
the batch costs seconds of CPU at a conference's scale, too much for every visit of the page. The
page, the API and the CLI read the stored batch, narrowed to the pairs the caller may merge: both
clusters readable and every question of both in their moderation scope, not both answered (a
merge would refuse), not dismissed by a moderator ("Không gộp", reversible), and still the
clusters the batch compared (services.merge_freshness: a pair whose cluster was merged away,
split or lost questions since is dropped and counted as outdated, for the page to say so). A pair
a moderator has split apart (a split lesson between their questions) is left out when computing.
Accepting one is the ordinary merge (services.moderation.merge_clusters), which also teaches the
engine.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.audit.services import record_event
from diemcau.errors import Forbidden
from diemcau.questions import access, engine
from diemcau.questions.models import (
    Answer,
    Cluster,
    MergeDismissal,
    MergeProposalBatch,
    Question,
    QuestionStatus,
    StoredMergeProposal,
)
from diemcau.questions.proposals import MergeProposal, merge_proposals
from diemcau.questions.services.merge_freshness import StoredPair, read, sort_out
from diemcau.questions.services.moderation import merge_clusters
from diemcau.questions.services.reading import get_cluster, visible_clusters

TASK_KIND = "questions.merge_proposals"
CHUNK = 500  # stored proposals scope-checked per round of queries


@dataclass(frozen=True)
class MergeOffer:
    """A proposal with what a moderator needs to judge it: each cluster's first question."""

    target: Cluster
    source: Cluster
    score: float
    target_text: str
    source_text: str
    dismissed_at: datetime | None = None


@dataclass(frozen=True)
class StoredOffers:
    """What the page shows: the stored batch's time, the offers waiting, those dismissed, and
    how many of the batch's proposals for this reader are outdated (their clusters changed)."""

    computed_at: datetime | None
    offers: list[MergeOffer]
    waiting: int
    dismissed: list[MergeOffer]
    outdated: int = 0
    batch: MergeProposalBatch | None = None


def _split_apart(proposal: MergeProposal, cluster_of: dict[int, int]) -> bool:
    for moved, left in engine.lessons().splits:
        sides = ({cluster_of.get(pk) for pk in moved}, {cluster_of.get(pk) for pk in left})
        pair = {proposal.target, proposal.source}
        if pair & sides[0] and pair & sides[1] and not sides[0] & sides[1]:
            return True
    return False


def _mergeable(scope: Scope, proposals: list[MergeProposal]) -> list[MergeProposal]:
    """The proposals `scope` may merge, in a fixed number of queries (not one per pair: the
    moderation page counts the waiting ones on every visit)."""
    involved = {c for p in proposals for c in (p.target, p.source)}
    readable = set(visible_clusters(scope).filter(pk__in=involved).values_list("pk", flat=True))
    answered = set(
        Answer.objects.filter(cluster_id__in=involved).values_list("cluster_id", flat=True)
    )
    outside: set[int] = set()
    if not scope.everything:
        moderate_q = access.question_moderate_q(scope)
        if moderate_q is None:
            return []
        # a cluster with any question outside the moderation scope (as can_moderate_all)
        outside = set(
            Question.objects.filter(cluster_id__in=involved)
            .exclude(moderate_q)
            .values_list("cluster_id", flat=True)
            .distinct()
        )
    return [
        p
        for p in proposals
        if {p.target, p.source} <= readable
        and not {p.target, p.source} <= answered
        and not {p.target, p.source} & outside
    ]


def _live_questions() -> dict[int, int]:
    """Each live question's cluster: what a batch looks at, and what its clusters then were."""
    return dict(
        Question.objects.filter(cluster__isnull=False)
        .exclude(status=QuestionStatus.REJECTED)
        .values_list("pk", "cluster_id")
    )


def _live_proposals(
    progress: Callable[[int, int], None] | None = None,
    cluster_of: dict[int, int] | None = None,
) -> list[MergeProposal]:
    index = engine.question_index()
    if cluster_of is None:
        cluster_of = _live_questions()
    vectors = {pk: index.vectors[pk] for pk in cluster_of if pk in index.vectors}
    return [
        p
        for p in merge_proposals(vectors, cluster_of, index.vectoriser, progress=progress)
        if not _split_apart(p, cluster_of)
    ]


def compute(progress: Callable[[int, int], None] | None = None) -> MergeProposalBatch:
    """Compute the proposals over every live question and keep them as the newest batch (the
    older batches go). Scope-free: each reader's scope narrows the batch when read."""
    cluster_of = _live_questions()
    found = _live_proposals(progress, cluster_of)
    return store(found, cluster_of)


def store(found: list[MergeProposal], cluster_of: dict[int, int]) -> MergeProposalBatch:
    """Keep `found` as the newest batch, each side with its first question and size in
    `cluster_of` (the questions it was computed over), for merge_freshness to compare later."""
    size = Counter(cluster_of.values())
    first: dict[int, int] = {}
    for pk in sorted(cluster_of, reverse=True):
        first[cluster_of[pk]] = pk  # newest first: the last written is the oldest
    existing = set(Cluster.objects.values_list("pk", flat=True))  # a merge while computing
    with transaction.atomic():
        batch = MergeProposalBatch.objects.create(
            computed_at=timezone.now(), last_question=max(cluster_of, default=0)
        )
        StoredMergeProposal.objects.bulk_create(
            StoredMergeProposal(
                batch=batch,
                target_id=p.target,
                source_id=p.source,
                score=p.score,
                rank=rank,
                target_first=first.get(p.target, 0),
                source_first=first.get(p.source, 0),
                target_size=size[p.target],
                source_size=size[p.source],
            )
            for rank, p in enumerate(found)
            if p.target in existing and p.source in existing
        )
        MergeProposalBatch.objects.exclude(pk=batch.pk).delete()
    return batch


def start_compute(scope: Scope, user_id: int | None) -> Any:
    """Start `compute` as a background task of `user_id`: its page shows the progress."""
    from diemcau.tasks.services import submit

    if not scope.everything and access.question_moderate_q(scope) is None:
        raise Forbidden(_("Only organisers moderate questions."))
    return submit(TASK_KIND, user_id, {})


def _with_texts(
    kept: list[MergeProposal], dismissed_at: dict[tuple[int, int], datetime] | None = None
) -> list[MergeOffer]:
    clusters = Cluster.objects.in_bulk({c for p in kept for c in (p.target, p.source)})
    first: dict[int, str] = {}
    for cluster_id, text in (
        Question.objects.filter(cluster_id__in=list(clusters))
        .exclude(status=QuestionStatus.REJECTED)
        .order_by("-pk")
        .values_list("cluster_id", "text")
    ):
        first[cluster_id] = text  # ordered newest first: the last written is the oldest
    return [
        MergeOffer(
            target=clusters[p.target],
            source=clusters[p.source],
            score=p.score,
            target_text=first.get(p.target, ""),
            source_text=first.get(p.source, ""),
            dismissed_at=(dismissed_at or {}).get((p.target, p.source)),
        )
        for p in kept
        if p.target in clusters and p.source in clusters
    ]


def _narrowed(scope: Scope, proposals: Iterable[MergeProposal]) -> list[MergeProposal]:
    pending = list(proposals)
    kept: list[MergeProposal] = []
    for start in range(0, len(pending), CHUNK):
        kept += _mergeable(scope, pending[start : start + CHUNK])
    return kept


def _outdated_for(scope: Scope, outdated: list[StoredPair]) -> int:
    """How many outdated pairs concern `scope`: both first questions in its moderation scope
    (their clusters may be gone, the questions stay where they were asked)."""
    if not outdated or scope.everything:
        return len(outdated)
    moderate_q = access.question_moderate_q(scope)
    if moderate_q is None:
        return 0
    firsts = {q for p in outdated for q in (p.target_first, p.source_first)}
    mine = set(Question.objects.filter(moderate_q, pk__in=firsts).values_list("pk", flat=True))
    return sum(1 for p in outdated if p.target_first in mine and p.source_first in mine)


def _current(
    scope: Scope, batch: MergeProposalBatch, skip: set[tuple[int, int]]
) -> tuple[list[MergeProposal], int]:
    """The batch's pairs still true (merge_freshness), not in `skip`, best first; and how many
    outdated ones concern `scope`."""
    rows = [p for p in read(batch) if (p.target, p.source) not in skip]
    found = sort_out(rows, batch.last_question)
    current = [MergeProposal(p.target, p.source, p.score) for p in found.current]
    outdated = _outdated_for(scope, found.outdated)
    return current, outdated


def stored_offers(scope: Scope, limit: int = 50) -> StoredOffers:
    """The last batch as `scope` may act on it: the best `limit` offers waiting (and how many
    wait in all), the pairs dismissed (newest first, to undo), how many are outdated. Nothing is
    computed here."""
    batch = MergeProposalBatch.objects.order_by("-computed_at", "-pk").first()
    if batch is None:
        return StoredOffers(None, [], 0, [])
    dismissed = {
        (t, s): at
        for t, s, at in MergeDismissal.objects.values_list("target_id", "source_id", "dismissed_at")
    }
    current, outdated = _current(scope, batch, set(dismissed))
    waiting = _narrowed(scope, current)
    # limit 0 (the moderation page's count on every visit): no list, so no scope checks for it
    newest = sorted(dismissed.items(), key=lambda kv: kv[1], reverse=True) if limit else []
    gone = _narrowed(
        scope, (MergeProposal(target=t, source=s, score=0.0) for (t, s), _at in newest)
    )
    return StoredOffers(
        computed_at=batch.computed_at,
        offers=_with_texts(waiting[:limit]),
        waiting=len(waiting),
        dismissed=_with_texts(gone[:limit], dismissed),
        outdated=outdated,
        batch=batch,
    )


def merge_offers(scope: Scope, limit: int = 50) -> list[MergeOffer]:
    """The best `limit` stored merges the caller may accept, best first (see stored_offers)."""
    return stored_offers(scope, limit).offers


def waiting_count(scope: Scope) -> int:
    """How many stored proposals wait for `scope` (the moderation page's link)."""
    return stored_offers(scope, limit=0).waiting


def batch_line(stored: StoredOffers) -> str:
    """The CLI's first line: when the batch was computed, how many of its proposals are
    outdated (the page's line, in the CLI's language: Vietnamese)."""
    if stored.computed_at is None:
        return "Chưa tính đề xuất gộp cụm lần nào."
    line = f"Tính lúc {timezone.localtime(stored.computed_at):%H:%M %d/%m}"
    if stored.outdated:
        line += f" · {stored.outdated} đề xuất đã cũ, chạy lại với --compute"
    return line


def accept(scope: Scope, target: int, source: int) -> Cluster:
    """A moderator accepts a proposal: the ordinary merge, with its checks and its lesson."""
    return merge_clusters(scope, target, source)


def _check_pair(scope: Scope, target: int, source: int) -> None:
    # as the merge: 404 outside the read scope, 403 outside the moderation scope
    get_cluster(scope, target), get_cluster(scope, source)
    if not access.can_moderate_all(scope, Question.objects.filter(cluster_id__in=[target, source])):
        raise Forbidden(_("You may not moderate these questions."))


@transaction.atomic
def dismiss(scope: Scope, user: Any, target: int, source: int) -> MergeDismissal:
    """ "Không gộp": the pair is not offered again (by any batch) until the dismissal is undone."""
    _check_pair(scope, target, source)
    dismissal, created = MergeDismissal.objects.get_or_create(
        target_id=target, source_id=source, defaults={"dismissed_by": user}
    )
    if created:
        record_event(
            "merge_dismiss", "questions", actor=user, unit=scope, detail=f"#{target} ≠ #{source}"
        )
    return dismissal


@transaction.atomic
def restore(scope: Scope, user: Any, target: int, source: int) -> bool:
    """Undo a dismissal: the pair is offered again (if the last batch proposed it)."""
    _check_pair(scope, target, source)
    removed, _n = MergeDismissal.objects.filter(target_id=target, source_id=source).delete()
    if removed:
        record_event(
            "merge_restore", "questions", actor=user, unit=scope, detail=f"#{target} ? #{source}"
        )
    return bool(removed)


def as_dict(offer: MergeOffer) -> dict[str, Any]:
    return {
        "target": offer.target.pk,
        "source": offer.source.pk,
        "score": offer.score,
        "target_text": offer.target_text,
        "source_text": offer.source_text,
    }
