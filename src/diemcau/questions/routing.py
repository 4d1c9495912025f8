"""Which sector should answer a question: nearest sector centroid over folded words and bigrams.

Each sector is the weighted sum of its examples' L2-normalised TF-IDF vectors: its keyword
description (so a fresh install routes sensibly), the project's labelled set, and every route a
moderator confirmed (weighted higher, so confirmations improve later proposals quickly). The
proposal is the sector with the highest cosine; its confidence is a softmax over the cosines.

Naive Bayes over the same features was tried first and lost to this on held-out groups of the
labelled set (length effects let wordy sectors drown the keyword seeds; see the bench).

A question very like one whose route a moderator confirmed (the engine's cosine ≥ NEAR_ROUTE, the
cluster it nearly joined) is proposed that confirmed sector: a paraphrase that missed its cluster
still reaches the right sector. The confidence stays the model's own for that sector, so a
neighbour the model doubts never clears AUTO_ROUTE on the neighbour's word alone.
"""

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from diemcau.questions.similarity import Index, terms
from diemcau.questions.thesaurus import Thesaurus

KEYWORD_WEIGHT = 10.0  # a sector's description counts as this many example questions
LABELLED_WEIGHT = 1.0
CONFIRMED_WEIGHT = 3.0  # a moderator's confirmation outweighs a made-up example
VOCABULARY_WEIGHT = 0.5  # how much a sector's vocabulary counts beside its examples
# The lowest confidence at which proposals on the tuning set, left out group by group, are right
# at least 99 times in 100 (bench/bench_question_quality.py "by_confidence": 1.0 on 23 % of the
# questions at 0.97; 0.966 at 0.9, the value before). Below it a moderator decides.
AUTO_ROUTE = 0.97
# The engine's cosine with a confirmed question at or above which its sector is proposed (chosen
# on the tuning set, left out by folds of groups, with every earlier question confirmed:
# bench/bench_question_quality.py "routing" → "with_confirmations": 0.35 … 0.7 tried, 0.45 best).
NEAR_ROUTE = 0.45
_TEMPERATURE = 0.05  # softmax temperature over cosines (they rarely exceed 0.5)

Vector = dict[str, float]


def route_features(text: str, thesaurus: Thesaurus | None = None) -> list[str]:
    words = terms(text, thesaurus=thesaurus)
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


def _normalised(vec: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
    return {f: w / norm for f, w in vec.items()}


@dataclass
class SectorModel:
    df: Counter[str] = field(default_factory=Counter)
    n_docs: int = 0
    centroids: dict[str, Vector] = field(default_factory=dict)
    # term → {sector: share}: which sectors' vocabulary names the term, and how exclusively
    vocabulary: dict[str, dict[str, float]] = field(default_factory=dict)
    vocabulary_weight: float = VOCABULARY_WEIGHT
    thesaurus: Thesaurus | None = None
    # the confirmed questions (by id, in the engine's index space) and their sectors
    confirmed: Index | None = None
    confirmed_sector: dict[int, str] = field(default_factory=dict)
    near_route: float = NEAR_ROUTE

    def _vector(self, text: str) -> Vector:
        n1 = self.n_docs + 1
        return _normalised(
            {
                f: (1.0 + math.log(c)) * (math.log(n1 / (self.df.get(f, 0) + 1)) + 1.0)
                for f, c in Counter(route_features(text, self.thesaurus)).items()
            }
        )

    def fit(
        self,
        examples: Iterable[tuple[str, str, float]],
        vocabulary: dict[str, str] | None = None,
    ) -> "SectorModel":
        """Examples are (text, sector code, weight); `vocabulary` is each sector's words."""
        rows = list(examples)
        named: dict[str, set[str]] = defaultdict(set)
        for sector, words in (vocabulary or {}).items():
            for term in route_features(words, self.thesaurus):
                named[term].add(sector)
        self.vocabulary = {
            term: {sector: 1.0 / len(sectors) for sector in sectors}
            for term, sectors in named.items()
        }
        for text, _sector, _weight in rows:
            self.df.update(set(route_features(text, self.thesaurus)))
            self.n_docs += 1
        sums: dict[str, Vector] = defaultdict(dict)
        for text, sector, weight in rows:
            total = sums[sector]
            for f, w in self._vector(text).items():
                total[f] = total.get(f, 0.0) + weight * w
        self.centroids = {sector: _normalised(vec) for sector, vec in sums.items()}
        return self

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(sector, confidence) for every known sector, most likely first; confidences sum to 1."""
        if not self.centroids:
            return []
        vec = self._vector(text)
        scores = {
            sector: sum(w * centroid.get(f, 0.0) for f, w in vec.items())
            for sector, centroid in self.centroids.items()
        }
        # The vocabulary's vote: the share of the question's weight carried by terms that name
        # a sector, split among the sectors naming each term.
        total = sum(vec.values()) or 1.0
        for term, weight in vec.items():
            for sector, share in self.vocabulary.get(term, {}).items():
                if sector in scores:
                    scores[sector] += self.vocabulary_weight * share * weight / total
        top = max(scores.values())
        exp = {s: math.exp((x - top) / _TEMPERATURE) for s, x in scores.items()}
        total = sum(exp.values())
        return sorted(((s, e / total) for s, e in exp.items()), key=lambda p: p[1], reverse=True)

    def remember(self, index: Index, sectors: dict[int, str]) -> "SectorModel":
        """Confirmed questions (vectors in `index`, sector by id) that route their near twins."""
        self.confirmed, self.confirmed_sector = index, dict(sectors)
        return self

    def nearest_confirmed(self, text: str) -> tuple[str, float] | None:
        """The sector of the confirmed question most like `text`, when at least NEAR_ROUTE."""
        if self.confirmed is None or not self.confirmed.vectors:
            return None
        hits = self.confirmed.nearest(self.confirmed.vectoriser.vector(text), k=1)
        if not hits or hits[0][1] < self.near_route:
            return None
        sector = self.confirmed_sector.get(hits[0][0])
        return (sector, hits[0][1]) if sector in self.centroids else None

    def propose(self, text: str) -> tuple[str, float] | None:
        """(sector, confidence): a confirmed near twin's sector, else the model's best."""
        ranked = self.rank(text)
        if not ranked:
            return None
        near = self.nearest_confirmed(text)
        if near is not None and near[0] != ranked[0][0]:
            return (near[0], dict(ranked)[near[0]])
        return ranked[0]
