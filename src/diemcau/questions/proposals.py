"""Merges offered to the moderators: a batch look over every cluster for twins intake kept apart.

Intake decides one question at a time, at arrival, against clusters as they then were; a
paraphrase that shares little with a cluster's first questions starts its own. Looking at the
whole set at once can do what intake cannot: discount "hub" questions that resemble everything
(the reform's context words) by each question's mean similarity to its nearest neighbours
(CSLS: 2·cos(a, b) − r(a) − r(b), r = mean cosine with the K nearest), which no arrival-time
score can know for an early question. Two clusters whose representatives score at least
MERGE_PROPOSAL on average are offered as one merge; nothing merges until a moderator accepts,
and accepting calls the ordinary merge (which teaches the engine, feedback.learn_merge).

The threshold and K were chosen on the tuning set only (bench/bench_question_quality.py
"merge_proposals"); the bench reports the F1 if every proposal were accepted and how many of
them a moderator would find right.
"""

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from diemcau.questions.similarity import REPS_PER_CLUSTER, Index, Vector, Vectoriser, cosine

# Mean CSLS between two clusters' representatives at or above which a merge is offered.
MERGE_PROPOSAL = 0.04
# Neighbours whose mean cosine is a question's "hubness" r(x).
HUB_K = 10
# Each representative looks for twins among this many nearest representatives.
NEIGHBOURS = 10


@dataclass(frozen=True)
class MergeProposal:
    """Fold cluster `source` into `target` (the older): `score` is their mean CSLS."""

    target: int
    source: int
    score: float


def _representatives(
    vectors: Mapping[int, Vector], cluster_of: Mapping[int, int], n: int
) -> dict[int, list[int]]:
    reps: dict[int, list[int]] = {}
    for pk in sorted(cluster_of):
        if pk in vectors:
            first = reps.setdefault(cluster_of[pk], [])
            if len(first) < n:
                first.append(pk)
    return reps


def merge_proposals(
    vectors: Mapping[int, Vector],
    cluster_of: Mapping[int, int],
    vectoriser: Vectoriser,
    threshold: float = MERGE_PROPOSAL,
    *,
    reps_per_cluster: int = REPS_PER_CLUSTER,
    hub_k: int = HUB_K,
    neighbours: int = NEIGHBOURS,
    hubness: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[MergeProposal]:
    """Cluster pairs to offer as merges, best first; at most one proposal per pair.

    `vectors` are the questions' vectors by id (ids in arrival order), `cluster_of` each
    question's cluster. A cluster is represented by its first `reps_per_cluster` questions, as
    intake compares it, which also bounds the cost at scale. `hubness` False scores pairs by
    their plain mean cosine (the bench's comparison). `progress(done, total)` is called as the
    representatives are looked at (the background task's bar).
    """
    reps = _representatives(vectors, cluster_of, reps_per_cluster)
    index = Index(vectoriser, postings_cap=256, candidates=max(32, hub_k * 2))
    for pk in itertools.chain.from_iterable(reps.values()):
        index.add(pk, vectors[pk])
    hub: dict[int, float] = {}
    pairs: set[tuple[int, int]] = set()
    looked = list(index.vectors)
    for done, pk in enumerate(looked):
        if progress is not None and done % 256 == 0:
            progress(done, len(looked))
        hits = index.nearest(vectors[pk], k=max(hub_k, neighbours) + 1, exclude=pk)
        top = [s for _o, s in hits[:hub_k]]
        # neighbours the index does not find share no term: they count as 0
        hub[pk] = sum(top) / hub_k if hubness else 0.0
        mine = cluster_of[pk]
        pairs.update(
            (min(mine, cluster_of[other]), max(mine, cluster_of[other]))
            for other, _s in hits[:neighbours]
            if cluster_of[other] != mine
        )
    scale = 2.0 if hubness else 1.0
    proposals = []
    for a, b in pairs:
        scores = [
            scale * cosine(vectors[x], vectors[y]) - hub[x] - hub[y]
            for x in reps[a]
            for y in reps[b]
        ]
        score = sum(scores) / len(scores)
        if score >= threshold:
            older, newer = sorted((a, b), key=lambda c: reps[c][0])
            proposals.append(MergeProposal(target=older, source=newer, score=round(score, 4)))
    proposals.sort(key=lambda p: (-p.score, p.target, p.source))
    return proposals


def accepted(cluster_of: Mapping[int, int], proposals: list[MergeProposal]) -> dict[int, int]:
    """Each question's cluster once every proposal is accepted (merges chain: a→b, b→c)."""
    parent: dict[int, int] = {}

    def root(c: int) -> int:
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for p in proposals:
        a, b = root(p.target), root(p.source)
        if a != b:
            parent[b] = a
    return {pk: root(c) for pk, c in cluster_of.items()}
