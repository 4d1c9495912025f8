"""Issue 18: paraphrase clusters, suggestions and sector routing, on the tuning and held-out sets.

    .venv/bin/python bench/bench_question_quality.py [--sets tuning,heldout] [--orders 5]
        [--questions 50000] [--probes 1000]

No database: this measures the text engine the services call (diemcau.questions.similarity,
.thesaurus and .routing) exactly as intake uses it: questions arrive one by one, in an order
nobody chooses (--orders shuffles, seeded; mean and worst reported), and each joins the cluster
it resembles most on average when that reaches AUTO_JOIN, or starts its own.

Two sets, never mixed: the tuning set (src/diemcau/questions/data/labelled_questions.json, written
by the project; every weight, threshold and thesaurus entry was chosen on it) and the held-out set
(data/heldout_questions.json, written apart from the engine and run only once the engine was
final). Routing on the tuning set is leave-one-group-out (the group's paraphrases unseen); on
the held-out set the model is the shipped one (keywords, vocabulary, whole tuning set).

Every variant and the naive baselines run in the same process on the same orders:
  engine                 the shipped configuration at its own threshold (AUTO_JOIN)
  engine_before          the engine before issue 18 (folded words, no thesaurus, accent-blind
                         fillers, single best member ≥ 0.5 among a cluster's first 3)
  no_thesaurus, no_accent_aware, single_link, bm25, no_char_ngrams, no_bigrams: one change each
  baseline_tfidf_words   accent-stripped word TF-IDF, single link, best threshold after the fact
  baseline_exact_folded  identical folded texts only
For each: clusters made, pairwise precision / recall / F1 at the shipped threshold and at the
best threshold chosen after the fact; R@1 / R@5 (the nearest other question is a paraphrase).
Then the merges offered to moderators after intake (proposals.py): F1 if every proposal, or only
the right ones, were accepted, and how many were shown; and routing while moderators confirm as
questions arrive (every earlier question confirmed, simulated), with and without the confirmed
near twin's sector (routing.NEAR_ROUTE).

Scale (--questions, perturbed copies and mixes of the tuning set, as bench_questions.py makes
them): clustering them all on one core, and one intake lookup (vector, nearest, average linkage
with each candidate cluster's first questions) against an index of all of them, p50 / p99.

JSON goes to stdout and to bench/results/question_quality.json.
"""

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from bench_questions import corpus, perturb  # noqa: E402 - path above

from diemcau.questions.labelled import labelled_questions  # noqa: E402
from diemcau.questions.pairs import PairScorer, fit_weights, shipped_weights  # noqa: E402
from diemcau.questions.proposals import MERGE_PROPOSAL, accepted, merge_proposals  # noqa: E402
from diemcau.questions.routing import (  # noqa: E402
    AUTO_ROUTE,
    CONFIRMED_WEIGHT,
    KEYWORD_WEIGHT,
    LABELLED_WEIGHT,
    NEAR_ROUTE,
    SectorModel,
)
from diemcau.questions.sectors import SEED, VOCABULARY  # noqa: E402
from diemcau.questions.similarity import (  # noqa: E402
    AUTO_JOIN,
    DEFAULT,
    PLAIN,
    REPS_PER_CLUSTER,
    Config,
    Index,
    Vectoriser,
    cluster_texts,
    cosine,
    linkage,
    pair_scores,
    terms,
)

DATA = HERE.parent / "src" / "diemcau" / "questions" / "data"
SETS = {"tuning": DATA / "labelled_questions.json", "heldout": DATA / "heldout_questions.json"}
GRID = [round(0.14 + 0.04 * i, 2) for i in range(12)]  # 0.14 … 0.58


@dataclass(frozen=True)
class Row:
    text: str
    group: str
    sector: str


@dataclass(frozen=True)
class Variant:
    config: Config
    link: str = "average"
    threshold: float = AUTO_JOIN
    reps: int = REPS_PER_CLUSTER


VARIANTS: dict[str, Variant] = {
    "engine": Variant(DEFAULT),
    "engine_before": Variant(PLAIN, link="single", threshold=0.5, reps=3),
    "no_thesaurus": Variant(replace(DEFAULT, thesaurus=False)),
    "no_accent_aware": Variant(replace(DEFAULT, accent_aware=False)),
    "single_link": Variant(DEFAULT, link="single"),
    "bm25": Variant(replace(DEFAULT, bm25=True)),
    "no_char_ngrams": Variant(replace(DEFAULT, char=0.0)),
    "no_bigrams": Variant(replace(DEFAULT, bigram=0.0)),
    "baseline_tfidf_words": Variant(
        Config(thesaurus=False, accent_aware=False, bigram=0.0, char=0.0), link="single"
    ),
}


def load(path: Path) -> list[Row]:
    """Either file's schema: groups with questions (tuning) or questions with a group (held-out)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if "groups" in data:
        return [
            Row(text, group["id"], group["sector"])
            for group in data["groups"]
            for text in group["questions"]
        ]
    return [Row(q["text"], str(q["group"]), q["sector"]) for q in data["questions"]]


def r4(x: float) -> float:
    return round(x, 4)


def orders(n: int, count: int) -> list[list[int]]:
    out = []
    for seed in range(count):
        order = list(range(n))
        random.Random(seed).shuffle(order)
        out.append(order)
    return out


def clusters(
    rows: Sequence[Row], variant: Variant, threshold: float, order: list[int]
) -> list[int]:
    texts = [rows[i].text for i in order]
    vec = Vectoriser(variant.config).fit(texts)
    return cluster_texts(
        texts,
        threshold,
        vec,
        config=variant.config,
        link=variant.link,
        reps_per_cluster=variant.reps,
    )


def clustering(
    rows: Sequence[Row], variant: Variant, all_orders: list[list[int]]
) -> dict[str, Any]:
    def at(threshold: float) -> dict[str, float]:
        f1, prec, rec, made = [], [], [], []
        for order in all_orders:
            labels = clusters(rows, variant, threshold, order)
            s = pair_scores(labels, [rows[i].group for i in order])
            f1.append(s["f1"])
            prec.append(s["precision"])
            rec.append(s["recall"])
            made.append(len(set(labels)))
        return {
            "threshold": threshold,
            "clusters": r4(statistics.mean(made)),
            "precision": r4(statistics.mean(prec)),
            "recall": r4(statistics.mean(rec)),
            "f1": r4(statistics.mean(f1)),
            "f1_worst_order": r4(min(f1)),
        }

    best = max((at(t) for t in GRID), key=lambda s: s["f1"])
    return {"shipped_threshold": at(variant.threshold), "best_threshold_after_the_fact": best}


def retrieval(rows: Sequence[Row], config: Config) -> dict[str, float]:
    texts, groups = [r.text for r in rows], [r.group for r in rows]
    vec = Vectoriser(config).fit(texts)
    vecs = [vec.vector(t) for t in texts]
    rank1 = top5 = 0
    for i in range(len(texts)):
        ranked = sorted(
            ((cosine(vecs[i], vecs[j]), j) for j in range(len(texts)) if j != i), reverse=True
        )
        rank1 += groups[ranked[0][1]] == groups[i]
        top5 += any(groups[j] == groups[i] for _, j in ranked[:5])
    return {"r_at_1": r4(rank1 / len(texts)), "r_at_5": r4(top5 / len(texts))}


ROUTE_GRID = (0.5, 0.7, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99)
RERANK_DEPTH = 20
CV_FOLDS = 5


def retrieval_reranked(rows: Sequence[Row], cross_validate: bool) -> dict[str, float]:
    """R@1 / R@5 after the pair scorer re-ranks the engine's nearest RERANK_DEPTH questions.

    `cross_validate`: the weights for each fold of groups are fitted on the other folds (the
    tuning set, which the shipped weights were fitted on); else the shipped weights.
    """
    texts, groups = [r.text for r in rows], [r.group for r in rows]
    vec = Vectoriser(DEFAULT).fit(texts)
    names = sorted(set(groups))
    random.Random(0).shuffle(names)
    folds = [set(names[f::CV_FOLDS]) for f in range(CV_FOLDS)] if cross_validate else [set(names)]
    rank1 = top5 = 0
    for fold in folds:
        if cross_validate:
            train = [i for i, g in enumerate(groups) if g not in fold]
            weights = fit_weights([texts[i] for i in train], [groups[i] for i in train])
        else:
            weights = list(shipped_weights())
        scorer = PairScorer.fitted(vec, texts, weights)
        vecs = [scorer.profile(t).vector for t in texts]
        for i in (i for i, g in enumerate(groups) if g in fold):
            near = sorted(
                ((cosine(vecs[i], vecs[j]), j) for j in range(len(texts)) if j != i), reverse=True
            )[:RERANK_DEPTH]
            ranked = scorer.rerank(texts[i], ((j, texts[j]) for _s, j in near))
            rank1 += groups[ranked[0][0]] == groups[i]
            top5 += any(groups[j] == groups[i] for j, _p in ranked[:5])
    return {
        "r_at_1": r4(rank1 / len(texts)),
        "r_at_5": r4(top5 / len(texts)),
        "weights": "fitted on the other folds' groups" if cross_validate else "shipped",
    }


def proposals(rows: Sequence[Row], all_orders: list[list[int]]) -> dict[str, Any]:
    """Merges offered to moderators after intake (proposals.py), per seeded arrival order.

    Intake clusters the questions one by one at AUTO_JOIN (the engine row above); the batch then
    proposes merges. Reported: the F1 if a moderator accepted every proposal, the F1 if they
    accepted only the right ones (both clusters' main group the same), and the effort (how many
    proposals were shown, the share right).
    """
    before, every, right_only, shown, right_share = [], [], [], [], []
    for order in all_orders:
        texts, truth = [rows[i].text for i in order], [rows[i].group for i in order]
        vec = Vectoriser(DEFAULT).fit(texts)
        labels = cluster_texts(texts, AUTO_JOIN, vec)
        cluster_of = dict(enumerate(labels))
        found = merge_proposals({i: vec.vector(t) for i, t in enumerate(texts)}, cluster_of, vec)
        main = {
            c: Counter(g for g, lab in zip(truth, labels, strict=True) if lab == c).most_common(1)[
                0
            ][0]
            for c in set(labels)
        }
        good = [p for p in found if main[p.target] == main[p.source]]
        before.append(pair_scores(labels, truth)["f1"])
        for kept, out in ((found, every), (good, right_only)):
            merged = accepted(cluster_of, kept)
            out.append(pair_scores([merged[i] for i in range(len(texts))], truth)["f1"])
        shown.append(len(found))
        right_share.append(len(good) / len(found) if found else 1.0)
    return {
        "threshold": MERGE_PROPOSAL,
        "f1_intake_alone": r4(statistics.mean(before)),
        "f1_every_proposal_accepted": r4(statistics.mean(every)),
        "f1_every_proposal_accepted_worst_order": r4(min(every)),
        "f1_right_proposals_accepted": r4(statistics.mean(right_only)),
        "proposals_shown": r4(statistics.mean(shown)),
        "proposals_right_share": r4(statistics.mean(right_share)),
    }


def _routing_scores(preds: list[tuple[str, float]], truth: list[str]) -> dict[str, float]:
    right = [p[0] == t for p, t in zip(preds, truth, strict=True)]
    sure = [ok for (_s, conf), ok in zip(preds, right, strict=True) if conf >= AUTO_ROUTE]
    half = [ok for (_s, conf), ok in zip(preds, right, strict=True) if conf >= 0.5]
    return {
        "accuracy": r4(sum(right) / len(right)),
        "auto_route_confidence": AUTO_ROUTE,
        "accuracy_above_auto_route": r4(sum(sure) / len(sure)) if sure else 0.0,
        "coverage_above_auto_route": r4(len(sure) / len(right)),
        "accuracy_conf_ge_0_5": r4(sum(half) / len(half)) if half else 0.0,
        "coverage_conf_ge_0_5": r4(len(half) / len(right)),
        # right / share of questions at or above each confidence: AUTO_ROUTE is the lowest
        # confidence at which the tuning set (left out group by group) is right ≥ 0.99
        "by_confidence": {
            str(t): [
                r4(sum(ok for (_s, c), ok in zip(preds, right, strict=True) if c >= t) / n)
                if (n := sum(1 for _s, c in preds if c >= t))
                else 0.0,
                r4(n / len(right)),
            ]
            for t in ROUTE_GRID
        },
    }


def routing_confirmed(
    rows: Sequence[Row], train: Sequence[Row] | None, all_orders: list[list[int]]
) -> dict[str, Any]:
    """Routing while moderators confirm as questions arrive: a separate row, labelled as such.

    Questions arrive in the seeded orders; when one arrives, every earlier question's sector has
    been confirmed by a moderator. As engine.sector_model does, the model is refitted with the
    confirmed questions as examples (CONFIRMED_WEIGHT); "engine" also proposes the sector of the
    most similar confirmed question when the engine's cosine reaches NEAR_ROUTE (routing.py),
    "engine_before" is the refit alone. Tuning set: the question's own group is left out of the
    labelled examples (its earlier paraphrases come in only as confirmations).
    """
    keywords = [(words, code, KEYWORD_WEIGHT) for code, _n, words in SEED]
    vocabulary = [(VOCABULARY[code], code, KEYWORD_WEIGHT) for code, _n, _w in SEED]
    named = {code: f"{words} {VOCABULARY.get(code, '')}" for code, _n, words in SEED}
    labelled = list(train) if train is not None else list(rows)
    vec = Vectoriser().fit([r.text for r in labelled] + ([r.text for r in rows] if train else []))
    vectors = [vec.vector(r.text) for r in rows]
    preds: dict[str, list[tuple[str, float]]] = {"engine": [], "engine_before": []}
    truth: list[str] = []
    for order in all_orders:
        confirmed = Index(vec)
        for step, i in enumerate(order):
            row = rows[i]
            examples = keywords + vocabulary
            examples += [
                (r.text, r.sector, LABELLED_WEIGHT)
                for r in labelled
                if train is not None or r.group != row.group
            ]
            examples += [(rows[j].text, rows[j].sector, CONFIRMED_WEIGHT) for j in order[:step]]
            model = SectorModel().fit(examples, named)
            preds["engine_before"].append(model.propose(row.text) or ("", 0.0))
            model.remember(confirmed, {j: rows[j].sector for j in order[:step]})
            preds["engine"].append(model.propose(row.text) or ("", 0.0))
            truth.append(row.sector)
            confirmed.add(i, vectors[i])
    out: dict[str, Any] = {k: _routing_scores(v, truth) for k, v in preds.items()}
    out["near_route"] = NEAR_ROUTE
    out["orders"] = len(all_orders)
    out["method"] = "every earlier question confirmed, in arrival order (simulated moderators)"
    return out


def routing(
    rows: Sequence[Row], train: Sequence[Row] | None, all_orders: list[list[int]]
) -> dict[str, Any]:
    """`train` None: leave-one-group-out within `rows`; else the model fitted on `train`."""
    keywords = [(words, code, KEYWORD_WEIGHT) for code, _n, words in SEED]
    vocabulary = [(VOCABULARY[code], code, KEYWORD_WEIGHT) for code, _n, _w in SEED]
    named = {code: f"{words} {VOCABULARY.get(code, '')}" for code, _n, words in SEED}
    truth = [r.sector for r in rows]

    def model(examples_of: Sequence[Row], shipped: bool) -> SectorModel:
        examples = list(keywords) + [(r.text, r.sector, LABELLED_WEIGHT) for r in examples_of]
        if shipped:
            return SectorModel().fit(examples + vocabulary, named)
        return SectorModel(vocabulary_weight=0.0).fit(examples)

    out: dict[str, Any] = {}
    for name, shipped in (("engine", True), ("engine_before_vocabulary", False)):
        if train is None:
            preds = []
            for r in rows:
                m = model([o for o in rows if o.group != r.group], shipped)
                preds.append(m.propose(r.text) or ("", 0.0))
        else:
            m = model(train, shipped)
            preds = [m.propose(r.text) or ("", 0.0) for r in rows]
        out[name] = _routing_scores(preds, truth)
    out["with_confirmations"] = routing_confirmed(rows, train, all_orders)
    majority = Counter(truth).most_common(1)[0][0]
    out["baseline_majority_sector"] = r4(sum(t == majority for t in truth) / len(truth))
    out["method"] = "leave one group out" if train is None else "model fitted on the tuning set"
    return out


def quality(name: str, rows: list[Row], n_orders: int, variants: list[str]) -> dict[str, Any]:
    all_orders = orders(len(rows), n_orders)
    out: dict[str, Any] = {
        "set": name,
        "questions": len(rows),
        "groups": len({r.group for r in rows}),
        "sectors": len({r.sector for r in rows}),
        "orders": n_orders,
        "clustering": {v: clustering(rows, VARIANTS[v], all_orders) for v in variants},
    }
    exact = [" ".join(terms(r.text, PLAIN)) for r in rows]
    out["clustering"]["baseline_exact_folded"] = {
        k: r4(v) for k, v in pair_scores(exact, [r.group for r in rows]).items()
    } | {"clusters": len(set(exact))}
    out["retrieval"] = {v: retrieval(rows, VARIANTS[v].config) for v in variants}
    out["retrieval"]["engine_reranked"] = retrieval_reranked(rows, cross_validate=name == "tuning")
    tuning = (
        None if name == "tuning" else [Row(q.text, q.group, q.sector) for q in labelled_questions()]
    )
    out["routing"] = routing(rows, tuning, all_orders)
    out["merge_proposals"] = proposals(rows, all_orders)
    return out


def scale(n: int, n_probes: int, seed: int) -> dict[str, Any]:
    rows = labelled_questions()
    texts, truth = corpus(n, rows, seed)
    t0, c0 = time.perf_counter(), time.process_time()
    labels = cluster_texts(texts)
    cluster_s, cluster_cpu = time.perf_counter() - t0, time.process_time() - c0
    # Intake: an index of every question, as engine.question_index keeps it.
    t0 = time.perf_counter()
    vec = Vectoriser().fit([r.text for r in rows] + texts)
    index = Index(vec)
    for i, text in enumerate(texts):
        index.add(i, vec.vector(text))
    build_s = time.perf_counter() - t0
    reps: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        first = reps.setdefault(label, [])
        if len(first) < REPS_PER_CLUSTER:
            first.append(i)
    rng = random.Random(seed + 1)
    probes = [perturb(rng.choice(rows).text, rng) for _ in range(n_probes)]
    times, cpu = [], []
    for probe in probes:
        t0, c0 = time.perf_counter(), time.process_time()
        v = vec.vector(probe)
        hits = index.nearest(v, k=10)
        for label in {labels[doc] for doc, _s in hits}:
            linkage(v, [index.vectors[m] for m in reps[label]])
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    times.sort()
    cpu.sort()
    # A moderator's suggestions: the nearest RERANK_DEPTH re-ranked by the pair scorer (its
    # vectorisers fitted on the same even sample as cluster_texts' IDF).
    scorer = PairScorer.fitted(vec, texts[:: max(1, len(texts) // 10_000)])
    suggest: list[float] = []
    for probe in probes:
        c0 = time.process_time()
        hits = index.nearest(vec.vector(probe), k=RERANK_DEPTH)
        scorer.rerank(probe, ((doc, texts[doc]) for doc, _s in hits))
        suggest.append(time.process_time() - c0)
    suggest.sort()
    # The batch of merge proposals over every cluster (a moderator's job, not intake's).
    t0, c0 = time.perf_counter(), time.process_time()
    found = merge_proposals(
        {i: index.vectors[i] for i in range(len(texts))}, dict(enumerate(labels)), vec
    )
    proposals_s, proposals_cpu = time.perf_counter() - t0, time.process_time() - c0
    para = [i for i, t in enumerate(truth) if not isinstance(t, tuple)]
    return {
        "questions": n,
        "cluster_all_s_wall": round(cluster_s, 2),
        "cluster_all_s_cpu_one_core": round(cluster_cpu, 2),
        "clusters_found": len(set(labels)),
        "pairs_paraphrases_only": {
            k: r4(v)
            for k, v in pair_scores([labels[i] for i in para], [truth[i] for i in para]).items()
        },
        "index_build_s": round(build_s, 2),
        "merge_proposals_s_wall": round(proposals_s, 2),
        "merge_proposals_s_cpu": round(proposals_cpu, 2),
        "merge_proposals_found": len(found),
        "intake_lookup_ms_p50": round(times[len(times) // 2] * 1000, 2),
        "intake_lookup_ms_p99": round(times[int(len(times) * 0.99)] * 1000, 2),
        "intake_lookup_cpu_ms_p50": round(cpu[len(cpu) // 2] * 1000, 2),
        "intake_lookup_cpu_ms_p99": round(cpu[int(len(cpu) * 0.99)] * 1000, 2),
        "suggestion_reranked_cpu_ms_p50": round(suggest[len(suggest) // 2] * 1000, 2),
        "suggestion_reranked_cpu_ms_p99": round(suggest[int(len(suggest) * 0.99)] * 1000, 2),
        "load_average_1m": round(__import__("os").getloadavg()[0], 1),
        "probes": n_probes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="tuning,heldout")
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="which to run")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "question_quality.json")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "bench": "question_quality",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cpu",
        "auto_join": AUTO_JOIN,
        "auto_route": AUTO_ROUTE,
        "goal": {"f1": 0.85, "r_at_1": 0.9, "routing": 0.95, "routing_auto": 0.99},
    }
    for name in [s for s in args.sets.split(",") if s]:
        if not SETS[name].exists():
            results[name] = {"missing": str(SETS[name])}
            continue
        variants = [v for v in args.variants.split(",") if v]
        results[name] = quality(name, load(SETS[name]), args.orders, variants)
    if args.questions:
        results["scale"] = scale(args.questions, args.probes, args.seed)
    text = json.dumps(results, ensure_ascii=False, indent=2)
    print(text)  # noqa: T201 - a bench reports
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
