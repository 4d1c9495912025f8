"""Duplicate questions and routing: speed on 50,000 questions, quality on the labelled set.

    .venv/bin/python bench/bench_questions.py [--runs 3] [--questions 50000] [--seed 7]

No database: this measures the text engine the services call (diemcau.questions.similarity and
.routing) on the project's labelled set (src/diemcau/questions/data/labelled_questions.json,
written by the project; the thresholds were chosen on the same set, and the sectors' keyword
descriptions were written by the same hand after it, so these figures are optimistic for real
questions).

Corpus of N questions (seeded): 60 % perturbed copies of labelled questions (true group = the
paraphrase group) and 40 % "mixes" — the first half of one labelled question joined to the last
half of one from another sector, perturbed too (true group = the pair of sources and the cut,
so they must not be joined with anything else). Perturbations: diacritics stripped (40 %),
NFD (10 %), fillers before/after ("Xin hỏi", "Cho em hỏi", "ạ", "Xin cảm ơn"), a place
mentioned ("Tại xã Tân Hòa,"), a word dropped, two words swapped, a typo. Labels are never
shown to the engine.

Figures (medians of --runs where timed):
  cluster_50k_s             fit IDF (on at most 10,000 of them) + cluster every question in
                            one pass (what a batch recluster costs), single process
  index_query_us            one nearest-neighbour query against the 50k index (intake cost)
  pairs                     pairwise precision / recall / F1 of that clustering vs the truth,
                            and of the baseline: identical folded text (after fillers); also on
                            the paraphrases alone (mixes left out), and the share of mixes that
                            were put in a cluster holding paraphrases (a mix shares half its
                            words with a real question, so some of these joins are defensible)
  labelled.nearest          rank-1 / top-5: the nearest other question is a true paraphrase
  labelled.thresholds       pairwise precision / recall of "cosine ≥ t" pairs and of the one-pass
                            clusters at t; AUTO_JOIN is the threshold intake uses
  routing                   leave-one-group-out accuracy (the group's paraphrases are unseen):
                            keywords + labelled set, keywords only, labelled only, majority-sector
                            baseline; accuracy and coverage above confidence 0.5; and
                            "after_confirmations": leave-one-question-out where the other
                            paraphrases count as moderator-confirmed routes

JSON goes to stdout and to bench/results/questions.json.
"""

import argparse
import json
import platform
import random
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from diemcau.questions.labelled import Labelled, labelled_questions  # noqa: E402 - path above
from diemcau.questions.routing import (  # noqa: E402
    CONFIRMED_WEIGHT,
    KEYWORD_WEIGHT,
    LABELLED_WEIGHT,
    SectorModel,
)
from diemcau.questions.sectors import SEED  # noqa: E402
from diemcau.questions.similarity import (  # noqa: E402
    AUTO_JOIN,
    Index,
    Vectoriser,
    cluster_texts,
    content_words,
    cosine,
    pair_scores,
)
from diemcau.textnorm import fold  # noqa: E402

PREFIXES = ["Xin hỏi", "Cho em hỏi", "Đề nghị Ban tổ chức cho biết", "Kính hỏi", "Hỏi:", ""]
SUFFIXES = ["ạ", "Xin cảm ơn.", "xin cam on", "?", "ạ?", ""]
PLACE_A = ["Tân", "Hòa", "Phú", "An", "Bình", "Đông", "Tây", "Long", "Thạnh", "Quảng"]
PLACE_B = ["Hòa", "Lập", "Phong", "Thịnh", "Sơn", "Hưng", "Lộc", "Xuân", "Thành", "Nghĩa"]


def strip_marks(text: str) -> str:
    """Diacritics removed but case kept, as typed on a keyboard without Vietnamese input."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def perturb(text: str, rng: random.Random) -> str:
    words = text.split()
    if len(words) > 5 and rng.random() < 0.3:
        del words[rng.randrange(len(words))]
    if len(words) > 3 and rng.random() < 0.2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 3:
            j = rng.randrange(1, len(w) - 1)
            words[i] = w[:j] + w[j + 1 :] if rng.random() < 0.5 else w[:j] + w[j] + w[j:]
    if rng.random() < 0.3:
        words.insert(0, f"Tại xã {rng.choice(PLACE_A)} {rng.choice(PLACE_B)},")
    if rng.random() < 0.5:
        words.insert(0, rng.choice(PREFIXES))
    if rng.random() < 0.4:
        words.append(rng.choice(SUFFIXES))
    out = " ".join(w for w in words if w)
    roll = rng.random()
    if roll < 0.4:
        out = strip_marks(out)
    elif roll < 0.5:
        out = unicodedata.normalize("NFD", out)
    return out


def corpus(n: int, rows: tuple[Labelled, ...], seed: int) -> tuple[list[str], list[object]]:
    rng = random.Random(seed)
    texts: list[str] = []
    truth: list[object] = []
    n_mix = int(n * 0.4)
    for _ in range(n - n_mix):
        row = rng.choice(rows)
        texts.append(perturb(row.text, rng))
        truth.append(row.group)
    for _ in range(n_mix):
        a, b = rng.sample(range(len(rows)), 2)
        while rows[a].sector == rows[b].sector:
            a, b = rng.sample(range(len(rows)), 2)
        wa, wb = rows[a].text.split(), rows[b].text.split()
        cut_a = len(wa) // 2 + rng.randint(-1, 1)
        cut_b = len(wb) // 2 + rng.randint(-1, 1)
        texts.append(perturb(" ".join(wa[:cut_a] + wb[cut_b:]), rng))
        truth.append(("mix", a, b, cut_a, cut_b))
    order = list(range(n))
    rng.shuffle(order)
    return [texts[i] for i in order], [truth[i] for i in order]


def r4(x: float) -> float:
    return round(x, 4)


def scores4(s: dict[str, float]) -> dict[str, float]:
    return {k: r4(v) for k, v in s.items()}


def bench_scale(n: int, runs: int, seed: int) -> dict[str, Any]:
    rows = labelled_questions()
    texts, truth = corpus(n, rows, seed)
    times, labels = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        labels = cluster_texts(texts, AUTO_JOIN)
        times.append(time.perf_counter() - t0)
    baseline = [" ".join(content_words(t)) for t in texts]
    para = [i for i, t in enumerate(truth) if not isinstance(t, tuple)]
    mixes = [i for i, t in enumerate(truth) if isinstance(t, tuple)]
    para_labels = {labels[i] for i in para}
    # Intake: one query against an index of every question, as create_question does.
    vec = Vectoriser().fit(texts)
    index = Index(vec)
    for i, text in enumerate(texts):
        index.add(i, vec.vector(text))
    rng = random.Random(seed + 1)
    probes = [perturb(rng.choice(rows).text, rng) for _ in range(500)]
    t0 = time.perf_counter()
    for probe in probes:
        index.nearest(vec.vector(probe), k=5)
    query_us = (time.perf_counter() - t0) / len(probes) * 1e6
    return {
        "questions": n,
        "true_groups": len(set(truth)),
        "cluster_s_runs": [round(t, 2) for t in times],
        "cluster_50k_s": round(statistics.median(times), 2),
        "clusters_found": len(set(labels)),
        "index_query_us": round(query_us, 1),
        "pairs": scores4(pair_scores(labels, truth)),
        "pairs_baseline_exact_folded": scores4(pair_scores(baseline, truth)),
        "paraphrases_only": {
            "questions": len(para),
            "pairs": scores4(pair_scores([labels[i] for i in para], [truth[i] for i in para])),
            "pairs_baseline_exact_folded": scores4(
                pair_scores([baseline[i] for i in para], [truth[i] for i in para])
            ),
        },
        "mixes_joined_to_a_paraphrase_cluster": r4(
            sum(labels[i] in para_labels for i in mixes) / len(mixes) if mixes else 0.0
        ),
    }


def bench_labelled() -> dict[str, Any]:
    rows = labelled_questions()
    texts, groups = [r.text for r in rows], [r.group for r in rows]
    vec = Vectoriser().fit(texts)
    vecs = [vec.vector(t) for t in texts]
    rank1 = top5 = 0
    sims: list[tuple[float, bool]] = []
    for i in range(len(texts)):
        ranked = sorted(
            ((cosine(vecs[i], vecs[j]), j) for j in range(len(texts)) if j != i), reverse=True
        )
        rank1 += groups[ranked[0][1]] == groups[i]
        top5 += any(groups[j] == groups[i] for _, j in ranked[:5])
        sims += [(c, groups[i] == groups[j]) for c, j in ranked if j > i]
    true_pairs = sum(t for _, t in sims)
    table = []
    for t in sorted({0.25, 0.3, 0.35, 0.4, 0.45, AUTO_JOIN, 0.5, 0.6, 0.7}):
        chosen = [same for c, same in sims if c >= t]
        hit = sum(chosen)
        table.append(
            {
                "threshold": t,
                "auto_join": t == AUTO_JOIN,
                "pair_precision": r4(hit / len(chosen)) if chosen else 1.0,
                "pair_recall": r4(hit / true_pairs),
                "clusters": scores4(pair_scores(cluster_texts(texts, t, vec), groups)),
            }
        )
    folded = [" ".join(content_words(t)) for t in texts]
    return {
        "questions": len(rows),
        "groups": len(set(groups)),
        "nearest": {"rank1": r4(rank1 / len(rows)), "top5": r4(top5 / len(rows))},
        "thresholds": table,
        "baseline_exact_folded": scores4(pair_scores(folded, groups)),
    }


def _accuracy(preds: list[tuple[str, float]], truth: list[str]) -> dict[str, float]:
    right = [p[0] == t for p, t in zip(preds, truth, strict=True)]
    sure = [ok for (_, conf), ok in zip(preds, right, strict=True) if conf >= 0.5]
    return {
        "accuracy": r4(sum(right) / len(right)),
        "accuracy_conf_ge_0_5": r4(sum(sure) / len(sure)) if sure else 0.0,
        "coverage_conf_ge_0_5": r4(len(sure) / len(right)),
    }


def bench_routing() -> dict[str, Any]:
    rows = labelled_questions()
    keywords = [(words, code, KEYWORD_WEIGHT) for code, _n, words in SEED]
    truth = [r.sector for r in rows]

    def held_out(use_keywords: bool, use_labelled: bool) -> list[tuple[str, float]]:
        preds: list[tuple[str, float]] = []
        for r in rows:
            examples = list(keywords) if use_keywords else []
            if use_labelled:
                examples += [
                    (o.text, o.sector, LABELLED_WEIGHT) for o in rows if o.group != r.group
                ]
            preds.append(SectorModel().fit(examples).propose(r.text) or ("", 0.0))
        return preds

    confirmed: list[tuple[str, float]] = []
    for r in rows:
        examples = keywords + [
            (o.text, o.sector, CONFIRMED_WEIGHT if o.group == r.group else LABELLED_WEIGHT)
            for o in rows
            if o is not r
        ]
        confirmed.append(SectorModel().fit(examples).propose(r.text) or ("", 0.0))
    majority = Counter(truth).most_common(1)[0][0]
    return {
        "method": "leave-one-group-out, nearest sector centroid (TF-IDF words + bigrams)",
        "keywords_and_labelled": _accuracy(held_out(True, True), truth),
        "keywords_only": _accuracy(held_out(True, False), truth),
        "labelled_only": _accuracy(held_out(False, True), truth),
        "after_confirmations": _accuracy(confirmed, truth),
        "baseline_majority_sector": {
            "sector": majority,
            "accuracy": r4(sum(t == majority for t in truth) / len(truth)),
        },
        "sectors": len(SEED),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "questions.json")
    args = parser.parse_args()
    results = {
        "bench": "questions",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cpu",
        "auto_join": AUTO_JOIN,
        "scale": bench_scale(args.questions, args.runs, args.seed),
        "labelled": bench_labelled(),
        "routing": bench_routing(),
        "folding_example": fold("Con dấu của xã mới"),
    }
    text = json.dumps(results, ensure_ascii=False, indent=2)
    print(text)  # noqa: T201 - a bench reports
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
