"""Which sector should answer a question: nearest sector centroid over folded words and bigrams.

Each sector is the weighted sum of its examples' L2-normalised TF-IDF vectors: its keyword
description (so a fresh install routes sensibly), the project's labelled set, and every route a
moderator confirmed (weighted higher, so confirmations improve later proposals quickly). The
proposal is the sector with the highest cosine; its confidence is a softmax over the cosines.

Naive Bayes over the same features was tried first and lost to this on held-out groups of the
labelled set (length effects let wordy sectors drown the keyword seeds; see the bench).
"""

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from diemcau.questions.similarity import terms
from diemcau.questions.thesaurus import Thesaurus

KEYWORD_WEIGHT = 10.0  # a sector's description counts as this many example questions
LABELLED_WEIGHT = 1.0
CONFIRMED_WEIGHT = 3.0  # a moderator's confirmation outweighs a made-up example
VOCABULARY_WEIGHT = 0.5  # how much a sector's vocabulary counts beside its examples
# The lowest confidence at which proposals on the tuning set, left out group by group, are right
# at least 99 times in 100 (bench/bench_question_quality.py "by_confidence": 1.0 on 23 % of the
# questions at 0.97; 0.966 at 0.9, the value before). Below it a moderator decides.
AUTO_ROUTE = 0.97
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

    def propose(self, text: str) -> tuple[str, float] | None:
        ranked = self.rank(text)
        return ranked[0] if ranked else None
