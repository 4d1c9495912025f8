"""Which questions say the same thing: Vietnamese-aware TF-IDF vectors and a bounded index.

People type one question with or without diacritics, in NFC or NFD, with fillers ("xin hỏi",
"như thế nào") and other word orders. Texts are folded (diacritics stripped, đ → d), fillers
dropped, and described by three feature families: words, word bigrams and character 3–5-grams
of the remaining text (these also catch compounds written apart or together and small typos).
TF is sublinear, IDF smoothed, vectors L2-normalised; similarity is cosine.

No model is downloaded: everything here is the standard library. The index keeps, per word or
bigram, at most `postings_cap` documents, so a query costs at most (features × cap) additions
plus a few exact cosines however large the corpus grows (50,000 questions cluster in seconds).
Measured on the labelled set (bench/bench_questions.py): thresholded clusters are precise only
at high similarity, so below `AUTO_JOIN` the index offers ranked suggestions to a moderator.
"""

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from diemcau.textnorm import fold

# Cosine at or above which a new question joins an existing cluster without a moderator. Clusters
# formed at 0.5 had pairwise precision 1.0 (recall 0.37) on the labelled set and 0.9998 (recall
# 0.34) on the bench's 50k perturbed paraphrases; half-and-half "mixes" of two questions still
# join a paraphrase cluster 43 % of the time (bench/results/questions.json).
AUTO_JOIN = 0.5
# A question joins a cluster by its similarity to one of the cluster's first few questions.
REPS_PER_CLUSTER = 3
IDF_SAMPLE = 10_000
# Suggestions below this score are noise.
SUGGEST_FLOOR = 0.15

_WORD = re.compile(r"\w+")
# Folded fillers of a Vietnamese question: they carry no topic, and paraphrases differ in them.
_FILLERS = (
    "xin hoi cho em toi chung a vay the nao ra sao gi la va cua thi co khong duoc nay do o "
    "dau bay gio khi nhung cac mot nhu se phai hay con nua ve voi tai theo den sau "
    "bao nhieu may biet kinh gui cam on"
)
STOPWORDS = frozenset(_FILLERS.split())
WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 1.0
CHAR_WEIGHT = 0.35
_CHAR_SIZES = (3, 4, 5)

Vector = dict[str, float]


def content_words(text: str) -> list[str]:
    """Folded words of `text` without fillers, in order."""
    return [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS]


def raw_features(text: str) -> Counter[str]:
    """Counts of word ("#w"), bigram ("#a_b") and character n-gram features of `text`."""
    words = content_words(text)
    counts: Counter[str] = Counter("#" + w for w in words)
    counts.update(f"#{a}_{b}" for a, b in itertools.pairwise(words))
    joined = " " + " ".join(words) + " "
    for n in _CHAR_SIZES:
        counts.update(joined[i : i + n] for i in range(len(joined) - n + 1))
    return counts


def _is_key(feature: str) -> bool:
    """Words and bigrams index documents; character n-grams only refine the score."""
    return feature.startswith("#")


@dataclass
class Vectoriser:
    """Sublinear TF × smoothed IDF, fitted on a corpus; unseen features get the highest IDF."""

    df: Counter[str] = field(default_factory=Counter)
    n_docs: int = 0

    def fit(self, texts: Iterable[str]) -> "Vectoriser":
        for text in texts:
            self.df.update(raw_features(text).keys())
            self.n_docs += 1
        return self

    def idf(self, feature: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(feature, 0) + 1)) + 1.0

    def vector(self, text: str) -> Vector:
        vec: Vector = {}
        log, n1, df = math.log, self.n_docs + 1, self.df
        for feature, count in raw_features(text).items():
            if feature[0] == "#":
                weight = BIGRAM_WEIGHT if "_" in feature else WORD_WEIGHT
            else:
                weight = CHAR_WEIGHT
            vec[feature] = weight * (1.0 + log(count)) * (log(n1 / (df.get(feature, 0) + 1)) + 1)
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {f: w / norm for f, w in vec.items()}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum(w * get(f, 0.0) for f, w in a.items())


@dataclass
class Index:
    """Documents by id with bounded postings over word and bigram features."""

    vectoriser: Vectoriser
    postings_cap: int = 64
    candidates: int = 24
    vectors: dict[int, Vector] = field(default_factory=dict)
    postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def add(self, doc_id: int, vec: Vector) -> None:
        self.vectors[doc_id] = vec
        cap = self.postings_cap
        for feature, weight in vec.items():
            if feature[0] == "#":
                plist = self.postings.setdefault(feature, [])
                if len(plist) < cap:
                    plist.append((doc_id, weight))

    def nearest(
        self, vec: Vector, k: int = 5, exclude: int | None = None
    ) -> list[tuple[int, float]]:
        """Up to k (doc id, cosine) pairs, best first."""
        acc: dict[int, float] = {}
        postings = self.postings
        for feature, weight in vec.items():
            if feature[0] != "#":
                continue
            for doc_id, other in postings.get(feature, ()):
                acc[doc_id] = acc.get(doc_id, 0.0) + weight * other
        if exclude is not None:
            acc.pop(exclude, None)
        if not acc:
            return []
        shortlist = sorted(acc, key=acc.__getitem__, reverse=True)[: self.candidates]
        scored = [(doc_id, cosine(vec, self.vectors[doc_id])) for doc_id in shortlist]
        scored.sort(key=lambda pair: pair[1], reverse=True)
        return scored[:k]


def cluster_texts(
    texts: Sequence[str],
    threshold: float = AUTO_JOIN,
    vectoriser: Vectoriser | None = None,
    *,
    postings_cap: int = 16,
    reps_per_cluster: int = REPS_PER_CLUSTER,
    candidates: int = 3,
) -> list[int]:
    """Cluster label per text, in one pass in arrival order, as intake does.

    A text joins a cluster when its cosine with one of the cluster's first `reps_per_cluster`
    members reaches `threshold`, else it starts a cluster. Comparing with a few early members
    rather than any member stops chains (A≈B, B≈C, … Z far from A) from gluing topics together.
    Identical folded texts are matched by a dictionary first. Without a vectoriser, IDF is fitted
    on at most IDF_SAMPLE evenly spaced texts: document frequencies settle long before that.
    """
    vec = vectoriser or Vectoriser().fit(texts[:: max(1, len(texts) // IDF_SAMPLE)])
    index = Index(vec, postings_cap=postings_cap, candidates=candidates)
    labels: list[int] = []
    size: Counter[int] = Counter()
    seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        key = " ".join(content_words(text))
        if key in seen:
            labels.append(labels[seen[key]])
            continue
        seen[key] = i
        vector = vec.vector(text)
        best = index.nearest(vector, k=1)
        label = labels[best[0][0]] if best and best[0][1] >= threshold else i
        labels.append(label)
        size[label] += 1
        if size[label] <= reps_per_cluster:
            index.add(i, vector)
    return labels


def pair_scores(predicted: Sequence[int], truth: Sequence[object]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against true groups."""

    def pairs(counter: Iterable[int]) -> int:
        return sum(n * (n - 1) // 2 for n in counter)

    both = pairs(Counter(zip(predicted, truth, strict=True)).values())
    pred = pairs(Counter(predicted).values())
    true = pairs(Counter(truth).values())
    precision = both / pred if pred else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
