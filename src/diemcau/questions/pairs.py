"""How likely two questions are the same difficulty: a pair scorer learned on the tuning set.

One cosine mixes every kind of evidence with fixed weights. The pair scorer weighs several
signals instead, by a logistic regression fitted on the tuning set's pairs only
(data/labelled_questions.json: every paraphrase pair, and for each question its ten nearest
questions from other groups, the negatives that matter): the engine's cosine; the cosines of its
words, thesaurus concepts, bigrams and character n-grams taken apart; the cosine of the plain
folded words (no thesaurus: a synonym the thesaurus does not know still counts as itself); the
cosine of character 3-5-grams over the folded text (typos, compounds written apart); the share of
terms in common; the ratio of the two lengths; and whether both cite the same legal document
("Nghị định 178/2024") or different ones.

It re-ranks the nearest questions the index finds (suggestions to moderators, and the bench's
R@1); joining stays on the engine's average linkage (bench/README.md: the learned score chosen
on the tuning set did not join better on the held-out set). The weights ship in
data/pair_scorer.json; `python -m diemcau.questions.pairs` refits them from the tuning set
(a test checks the shipped ones are exactly those). Standard library only.
"""

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from diemcau.questions.similarity import Config, Vector, Vectoriser, cosine
from diemcau.textnorm import fold

PATH = Path(__file__).resolve().parent / "data" / "pair_scorer.json"
PLAIN_WORDS = Config(thesaurus=False, accent_aware=False, bigram=0.0, char=0.0)
CHARS = Config(
    thesaurus=False,
    accent_aware=False,
    word=0.0,
    bigram=0.0,
    concept=0.0,
    context=0.0,
    char=1.0,
    char_sizes=(3, 4, 5),
)
SIGNALS = (
    "cosine",
    "words",
    "concepts",
    "bigrams",
    "chars",
    "terms_shared",
    "length_ratio",
    "legal_reference",
    "plain_words",
    "chars_3_5",
)
_CLASSES = ("words", "concepts", "bigrams", "chars")
# "Nghị định 178/2024/NĐ-CP", "thông tư số 01", "QĐ 759": the document's number, folded
_REFERENCE = re.compile(
    r"\d+/\d{4}|(?:nghi dinh|thong tu|luat|quyet dinh|nghi quyet|cong van|chi thi) (?:so )?\d+"
)
NEGATIVES_PER_QUESTION = 10
_CACHE_LIMIT = 1_000  # ~23 kB a profile; a cluster page re-ranks ~200 texts


def _class(feature: str) -> str:
    if feature[0] != "#":
        return "chars"
    if " " in feature:
        return "bigrams"
    return "concepts" if "_" in feature else "words"


@dataclass(frozen=True)
class Profile:
    """What the scorer reads of one text, computed once."""

    vector: Vector
    parts: dict[str, Vector]
    norms: dict[str, float]
    terms: frozenset[str]
    references: frozenset[str]
    plain: Vector
    chars: Vector


def signals(a: Profile, b: Profile) -> list[float]:
    """The signals of a pair, in SIGNALS order."""
    out = [cosine(a.vector, b.vector)]
    for name in _CLASSES:
        both = a.norms[name] * b.norms[name]
        out.append(cosine(a.parts[name], b.parts[name]) / both if both else 0.0)
    union = a.terms | b.terms
    out.append(len(a.terms & b.terms) / len(union) if union else 0.0)
    out.append(min(len(a.terms), len(b.terms)) / max(len(a.terms), len(b.terms), 1))
    refs_a, refs_b = a.references, b.references
    out.append(1.0 if refs_a & refs_b else (-1.0 if refs_a and refs_b else 0.0))
    out.append(cosine(a.plain, b.plain))
    out.append(cosine(a.chars, b.chars))
    return out


@dataclass
class PairScorer:
    """Signals of a pair → probability that it is one question (weights: last is the bias)."""

    main: Vectoriser
    plain: Vectoriser
    chars: Vectoriser
    weights: Sequence[float]
    _profiles: dict[str, Profile] = field(default_factory=dict, repr=False)

    @classmethod
    def fitted(
        cls, main: Vectoriser, texts: Iterable[str], weights: Sequence[float] | None = None
    ) -> "PairScorer":
        """A scorer over `main` (the engine's fitted vectoriser) with its own vectorisers fitted
        on `texts` (the same corpus, or an even sample of it)."""
        sample = list(texts)
        return cls(
            main=main,
            plain=Vectoriser(PLAIN_WORDS).fit(sample),
            chars=Vectoriser(CHARS).fit(sample),
            weights=shipped_weights() if weights is None else weights,
        )

    def profile(self, text: str) -> Profile:
        found = self._profiles.get(text)
        if found is not None:
            return found
        words = self.main.terms(text)
        vector = self.main.vector_of(words)
        parts: dict[str, Vector] = {name: {} for name in _CLASSES}
        for feature, weight in vector.items():
            parts[_class(feature)][feature] = weight
        made = Profile(
            vector=vector,
            parts=parts,
            norms={k: math.sqrt(sum(w * w for w in p.values())) for k, p in parts.items()},
            terms=frozenset(words),
            references=frozenset(_REFERENCE.findall(fold(text).lower())),
            plain=self.plain.vector(text),
            chars=self.chars.vector(text),
        )
        if len(self._profiles) >= _CACHE_LIMIT:
            self._profiles.clear()
        self._profiles[text] = made
        return made

    def logit(self, a: str, b: str) -> float:
        w = self.weights
        found = signals(self.profile(a), self.profile(b))
        return w[-1] + sum(x * y for x, y in zip(w[:-1], found, strict=True))

    def probability(self, a: str, b: str) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.logit(a, b)))))

    def rerank[K](self, text: str, candidates: Iterable[tuple[K, str]]) -> list[tuple[K, float]]:
        """(key, probability) of each candidate (key, text), most likely first."""
        scored = [(key, self.probability(text, other)) for key, other in candidates]
        scored.sort(key=lambda pair: pair[1], reverse=True)
        return scored


@cache
def shipped_weights() -> tuple[float, ...]:
    data = json.loads(PATH.read_text(encoding="utf-8"))
    assert tuple(data["signals"]) == SIGNALS, "pair_scorer.json does not match SIGNALS"
    return tuple(data["weights"])


# -- fitting -----------------------------------------------------------------------------------
def training_pairs(
    texts: Sequence[str], groups: Sequence[str], scorer: PairScorer
) -> tuple[list[list[float]], list[int]]:
    """Every same-group pair (1) and each text's NEGATIVES_PER_QUESTION nearest others (0)."""
    profiles = [scorer.profile(t) for t in texts]
    rows: list[list[float]] = []
    labels: list[int] = []
    n = len(texts)
    for i in range(n):
        near = sorted(
            ((cosine(profiles[i].vector, profiles[j].vector), j) for j in range(n) if j != i),
            reverse=True,
        )
        others = [j for _s, j in near if groups[j] != groups[i]][:NEGATIVES_PER_QUESTION]
        for j in others:
            rows.append(signals(profiles[i], profiles[j]))
            labels.append(0)
        for j in range(i + 1, n):
            if groups[j] == groups[i]:
                rows.append(signals(profiles[i], profiles[j]))
                labels.append(1)
    return rows, labels


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a dozen unknowns)."""
    n = len(vector)
    m = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c]:
                f = m[r][c] / m[c][c]
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    return [m[i][n] / m[i][i] if m[i][i] else 0.0 for i in range(n)]


def logistic_regression(
    rows: Sequence[Sequence[float]], labels: Sequence[int], l2: float = 1.0, iterations: int = 25
) -> list[float]:
    """Weights (bias last) by Newton's method, classes balanced, L2 on all but the bias."""
    d = len(rows[0]) + 1
    w = [0.0] * d
    positives = sum(labels)
    balance = {1: len(labels) / (2 * positives), 0: len(labels) / (2 * (len(labels) - positives))}
    with_bias = [[*row, 1.0] for row in rows]
    for _ in range(iterations):
        grad = [l2 * x for x in w[:-1]] + [0.0]
        hess = [[(l2 if i == j < d - 1 else 0.0) for j in range(d)] for i in range(d)]
        hess[-1][-1] += 1e-6
        for x, t in zip(with_bias, labels, strict=True):
            z = sum(a * b for a, b in zip(w, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            c = balance[t]
            e, s = (p - t) * c, p * (1 - p) * c
            for i in range(d):
                grad[i] += e * x[i]
                sx = s * x[i]
                row = hess[i]
                for j in range(d):
                    row[j] += sx * x[j]
        step = _solve(hess, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
    return w


def fit_weights(texts: Sequence[str], groups: Sequence[str]) -> list[float]:
    """The weights learned on a labelled set (the engine's vectoriser fitted on its texts)."""
    scorer = PairScorer.fitted(Vectoriser().fit(texts), texts, weights=[0.0] * (len(SIGNALS) + 1))
    rows, labels = training_pairs(texts, groups, scorer)
    return logistic_regression(rows, labels)


def main() -> None:  # pragma: no cover - a maintenance command
    from diemcau.questions.labelled import labelled_questions

    rows = labelled_questions()
    weights = fit_weights([r.text for r in rows], [r.group for r in rows])
    PATH.write_text(
        json.dumps(
            {
                "note": "Fitted on the tuning set (labelled_questions.json) only, by "
                "`python -m diemcau.questions.pairs`; never on the held-out set.",
                "signals": list(SIGNALS),
                "weights": [round(x, 6) for x in weights],
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":  # pragma: no cover
    main()
