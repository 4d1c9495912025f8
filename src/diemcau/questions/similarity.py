"""Which questions say the same thing: Vietnamese-aware weighted vectors and a bounded index.

People type one question with or without diacritics, in NFC or NFD, with fillers ("xin hỏi",
"như thế nào"), other word orders and other administrative words for the same thing. A text
becomes terms: its words (diacritics kept only to tell fillers and thesaurus phrases apart, then
folded), with every thesaurus phrase replaced by its concept (thesaurus.py) and fillers dropped.
Features: terms, term bigrams, and character 4-grams of the folded terms (these catch compounds
written apart or together and small typos). TF is sublinear, IDF smoothed, vectors
L2-normalised; similarity is cosine.

Clusters form online, in arrival order, as at intake: a question joins the cluster whose first
questions it resembles most on average (average linkage over a cluster's representatives, not
its single nearest member, so one shared salient word does not glue two difficulties). The
thresholds and weights were chosen on the tuning set only (bench/bench_question_quality.py).

No model is downloaded: everything here is the standard library. The index keeps, per term or
bigram, at most `postings_cap` documents, so a query costs at most (features × cap) additions
plus a few exact cosines however large the corpus grows.
"""

import heapq
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from diemcau.questions.thesaurus import FILLER_BARE, Thesaurus, shipped, tokens

NO_THESAURUS = Thesaurus()

# Average cosine with a cluster's representatives at or above which a new question joins it
# without a moderator (chosen on the tuning set; bench/README.md has the figures).
AUTO_JOIN = 0.34
# A question is compared with a cluster's first few questions (its representatives).
REPS_PER_CLUSTER = 4
IDF_SAMPLE = 10_000
# Suggestions below this score are noise.
SUGGEST_FLOOR = 0.15
# A question is scored against the clusters of its nearest questions, at most this many.
MAX_CLUSTERS_TRIED = 4

STOPWORDS = FILLER_BARE
WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.4
CHAR_WEIGHT = 0.3
CONCEPT_WEIGHT = 1.5
CONTEXT_WEIGHT = 0.3
_CHAR_SIZES = (4,)

Vector = dict[str, float]


@dataclass(frozen=True)
class Config:
    """How texts become features; the bench compares variants side by side."""

    thesaurus: bool = True
    accent_aware: bool = True
    word: float = WORD_WEIGHT
    bigram: float = BIGRAM_WEIGHT
    char: float = CHAR_WEIGHT
    concept: float = CONCEPT_WEIGHT
    char_sizes: tuple[int, ...] = _CHAR_SIZES
    # character n-grams inside each word only (typos), not across words (fuzzy phrases)
    char_in_words: bool = False
    # weight of the thesaurus's context terms (xã, sắp xếp, cũ…), against 1 for a topic word
    context: float = CONTEXT_WEIGHT
    bm25: bool = False


DEFAULT = Config()
# The engine before issue 18: folded words without thesaurus, accent-blind fillers.
PLAIN = Config(thesaurus=False, accent_aware=False, bigram=1.0, char=0.35, concept=1.0)


def terms(text: str, config: Config = DEFAULT, thesaurus: Thesaurus | None = None) -> list[str]:
    """Folded content terms of `text` in order; thesaurus concepts as one term ("doi_du")."""
    th = (thesaurus or shipped()) if config.thesaurus else NO_THESAURUS
    return th.terms(tokens(text), accent_aware=config.accent_aware)


def content_words(text: str) -> list[str]:
    """Folded terms of `text` without fillers, in order (the default configuration)."""
    return terms(text)


def raw_features(
    text: str, config: Config = DEFAULT, thesaurus: Thesaurus | None = None
) -> Counter[str]:
    """Counts of term ("#t"), bigram ("#a b") and character n-gram features of `text`."""
    return features_of(terms(text, config, thesaurus), config, thesaurus)


def features_of(
    words: Sequence[str], config: Config = DEFAULT, thesaurus: Thesaurus | None = None
) -> Counter[str]:
    """The features of a text's terms (see raw_features)."""
    feats = ["#" + w for w in words]
    if config.bigram:
        feats += [f"#{a} {b}" for a, b in itertools.pairwise(words)]
    if config.char:
        context = _context(config, thesaurus)
        joined = " " + " ".join(w for w in words if w not in context).replace("_", " ") + " "
        pieces = [f" {w} " for w in joined.split()] if config.char_in_words else [joined]
        for piece in pieces:
            for n in config.char_sizes:
                feats += [piece[i : i + n] for i in range(len(piece) - n + 1)]
    return Counter(feats)


def _context(config: Config, thesaurus: Thesaurus | None) -> frozenset[str]:
    if not config.thesaurus or config.context == 1.0:
        return frozenset()
    return (thesaurus or shipped()).context


def _is_key(feature: str) -> bool:
    """Terms and bigrams index documents; character n-grams only refine the score."""
    return feature.startswith("#")


@dataclass
class Vectoriser:
    """Sublinear TF × smoothed IDF (or BM25), fitted on a corpus; unseen features get top IDF."""

    config: Config = DEFAULT
    thesaurus: Thesaurus | None = None
    df: Counter[str] = field(default_factory=Counter)
    n_docs: int = 0
    total_len: int = 0

    # feature → class weight × IDF, filled as features are met (cleared by fit)
    _static: dict[str, float] = field(default_factory=dict, repr=False)

    def features(self, text: str) -> Counter[str]:
        return raw_features(text, self.config, self.thesaurus)

    def terms(self, text: str) -> list[str]:
        return terms(text, self.config, self.thesaurus)

    def fit(self, texts: Iterable[str]) -> "Vectoriser":
        for text in texts:
            feats = self.features(text)
            self.df.update(feats.keys())
            self.total_len += sum(1 for f in feats if f[0] == "#" and " " not in f)
            self.n_docs += 1
        self._static.clear()
        return self

    def idf(self, feature: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(feature, 0) + 1)) + 1.0

    def _class_weight(self, feature: str) -> float:
        config = self.config
        if feature[0] != "#":
            return config.char
        if " " in feature:
            return config.bigram
        if feature[1:] in _context(config, self.thesaurus):
            return config.context
        return config.concept if "_" in feature else config.word

    def vector(self, text: str) -> Vector:
        return self.vector_of(self.terms(text))

    def vector_of(self, words: Sequence[str]) -> Vector:
        """The L2-normalised vector of a text's terms."""
        feats = features_of(words, self.config, self.thesaurus)
        if self.config.bm25:
            return self._bm25(feats)
        static, log = self._static, math.log
        vec: Vector = {}
        for feature, count in feats.items():
            weight = static.get(feature)
            if weight is None:
                weight = self._class_weight(feature) * self.idf(feature)
                if len(static) < 1_000_000:
                    static[feature] = weight
            vec[feature] = weight if count == 1 else weight * (1.0 + log(count))
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {f: w / norm for f, w in vec.items()}

    def _bm25(self, feats: Counter[str]) -> Vector:
        log, n, df = math.log, self.n_docs, self.df
        length = sum(c for f, c in feats.items() if f[0] == "#" and " " not in f)
        avg = self.total_len / n if n else 1.0
        k1, b = 1.2, 0.75
        norm_len = k1 * (1 - b + b * length / (avg or 1.0))
        vec: Vector = {}
        for feature, count in feats.items():
            tf = count * (k1 + 1) / (count + norm_len)
            idf = log(1 + (n - df.get(feature, 0) + 0.5) / (df.get(feature, 0) + 0.5))
            vec[feature] = self._class_weight(feature) * tf * idf
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {f: w / norm for f, w in vec.items()}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum(w * get(f, 0.0) for f, w in a.items())


@dataclass
class Index:
    """Documents by id with bounded postings over term and bigram features."""

    vectoriser: Vectoriser
    postings_cap: int = 128
    candidates: int = 32
    # a query looks up the postings of its most telling terms and bigrams only
    probe_features: int = 12
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
        keys = heapq.nlargest(self.probe_features, ((w, f) for f, w in vec.items() if f[0] == "#"))
        for weight, feature in keys:
            for doc_id, other in postings.get(feature, ()):
                acc[doc_id] = acc.get(doc_id, 0.0) + weight * other
        if exclude is not None:
            acc.pop(exclude, None)
        if not acc:
            return []
        shortlist = heapq.nlargest(max(k, self.candidates), acc, key=acc.__getitem__)
        vectors = self.vectors
        scored = [(doc_id, cosine(vec, vectors[doc_id])) for doc_id in shortlist]
        scored.sort(key=lambda pair: pair[1], reverse=True)
        return scored[:k]


def linkage(vec: Vector, members: Sequence[Vector]) -> float:
    """How much `vec` resembles a cluster: the mean cosine with its representatives."""
    if not members:
        return 0.0
    return sum(cosine(vec, m) for m in members) / len(members)


def cluster_texts(
    texts: Sequence[str],
    threshold: float = AUTO_JOIN,
    vectoriser: Vectoriser | None = None,
    *,
    postings_cap: int = 64,
    reps_per_cluster: int = REPS_PER_CLUSTER,
    candidates: int = 6,
    config: Config = DEFAULT,
    thesaurus: Thesaurus | None = None,
    link: str = "average",
) -> list[int]:
    """Cluster label per text, in one pass in arrival order, as intake does.

    A text joins the cluster whose first `reps_per_cluster` members it resembles most on
    average (or, with link="single", by its best single member, as the engine before issue 18),
    if that reaches `threshold`; else it starts a cluster. Identical folded texts are matched by
    a dictionary first. Without a vectoriser, IDF is fitted on at most IDF_SAMPLE evenly spaced
    texts: document frequencies settle long before that.
    """
    vec = vectoriser or Vectoriser(config, thesaurus).fit(
        texts[:: max(1, len(texts) // IDF_SAMPLE)]
    )
    index = Index(vec, postings_cap=postings_cap, candidates=candidates)
    labels: list[int] = []
    # Per cluster, the sum of its representatives' vectors and their number: the mean cosine
    # with the representatives is one dot product with that sum (vectors are unit length).
    sums: dict[int, tuple[Vector, int]] = {}
    seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        words = vec.terms(text)
        key = " ".join(words)
        if key in seen:
            labels.append(labels[seen[key]])
            continue
        seen[key] = i
        vector = vec.vector_of(words)
        hits = index.nearest(vector, k=candidates)
        best_label, best = i, 0.0
        for label in list(dict.fromkeys(labels[doc] for doc, _s in hits))[:MAX_CLUSTERS_TRIED]:
            if link == "single":
                score = max(s for doc, s in hits if labels[doc] == label)
            else:
                total, n = sums[label]
                score = cosine(vector, total) / n
            if score > best:
                best_label, best = label, score
        label = best_label if best >= threshold else i
        labels.append(label)
        total, n = sums.get(label, ({}, 0))
        if n < reps_per_cluster:
            for f, w in vector.items():
                total[f] = total.get(f, 0.0) + w
            sums[label] = (total, n + 1)
            index.add(i, vector)
    return labels


def pair_scores(predicted: Sequence[object], truth: Sequence[object]) -> dict[str, float]:
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
