"""Merge proposals for moderators: the batch look (proposals.py) over the clusters in the database.

The proposals are computed over every live question (a question's hubness depends on the whole
set), then narrowed to the pairs the caller may merge: both clusters readable and every question
of both in their moderation scope, not both answered (a merge would refuse), and not a pair a
moderator has split apart (a split lesson between their questions). Accepting one is the
ordinary merge (services.moderation.merge_clusters), which also teaches the engine.
"""

from dataclasses import dataclass
from typing import Any

from diemcau.accounts.scopes import Scope
from diemcau.questions import access, engine
from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus
from diemcau.questions.proposals import MergeProposal, merge_proposals
from diemcau.questions.services.moderation import merge_clusters
from diemcau.questions.services.reading import visible_clusters


@dataclass(frozen=True)
class MergeOffer:
    """A proposal with what a moderator needs to judge it: each cluster's first question."""

    target: Cluster
    source: Cluster
    score: float
    target_text: str
    source_text: str


def _split_apart(proposal: MergeProposal, cluster_of: dict[int, int]) -> bool:
    for moved, left in engine.lessons().splits:
        sides = ({cluster_of.get(pk) for pk in moved}, {cluster_of.get(pk) for pk in left})
        pair = {proposal.target, proposal.source}
        if pair & sides[0] and pair & sides[1] and not sides[0] & sides[1]:
            return True
    return False


def _mergeable(scope: Scope, proposals: list[MergeProposal]) -> list[MergeProposal]:
    involved = {c for p in proposals for c in (p.target, p.source)}
    readable = set(visible_clusters(scope).filter(pk__in=involved).values_list("pk", flat=True))
    answered = set(
        Answer.objects.filter(cluster_id__in=involved).values_list("cluster_id", flat=True)
    )
    kept = []
    for p in proposals:
        if not {p.target, p.source} <= readable or {p.target, p.source} <= answered:
            continue
        if scope.everything or access.can_moderate_all(
            scope, Question.objects.filter(cluster_id__in=[p.target, p.source])
        ):
            kept.append(p)
    return kept


def merge_offers(scope: Scope, limit: int = 50) -> list[MergeOffer]:
    """The best `limit` merges the caller may accept, best first."""
    index = engine.question_index()
    cluster_of = dict(
        Question.objects.filter(cluster__isnull=False)
        .exclude(status=QuestionStatus.REJECTED)
        .values_list("pk", "cluster_id")
    )
    vectors = {pk: index.vectors[pk] for pk in cluster_of if pk in index.vectors}
    found = [
        p
        for p in merge_proposals(vectors, cluster_of, index.vectoriser)
        if not _split_apart(p, cluster_of)
    ]
    kept: list[MergeProposal] = []
    for start in range(0, len(found), 200):  # scope checks on a page of proposals at a time
        kept += _mergeable(scope, found[start : start + 200])
        if len(kept) >= limit:
            break
    kept = kept[:limit]
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
        )
        for p in kept
        if p.target in clusters and p.source in clusters
    ]


def accept(scope: Scope, target: int, source: int) -> Cluster:
    """A moderator accepts a proposal: the ordinary merge, with its checks and its lesson."""
    return merge_clusters(scope, target, source)


def as_dict(offer: MergeOffer) -> dict[str, Any]:
    return {
        "target": offer.target.pk,
        "source": offer.source.pk,
        "score": offer.score,
        "target_text": offer.target_text,
        "source_text": offer.source_text,
    }
