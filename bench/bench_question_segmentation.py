"""Issue 18: does Vietnamese word segmentation (pyvi) pay for the question engine? Tuning set only.

    python -m venv /tmp/pyvi && /tmp/pyvi/bin/pip install pyvi
    /tmp/pyvi/bin/python bench/bench_question_segmentation.py

pyvi is not a project dependency (it brings scikit-learn, SciPy and NumPy, ~210 MB): this
measures it once, outside the project's environment. The same texts are compared raw and after
pyvi joined their compound words ("sáp_nhập"), by plain word TF-IDF and by the shipped engine:
R@1 (the nearest other question is a paraphrase) and the F1 of the engine's one-pass clusters
over a range of thresholds (mean of 3 arrival orders). Prints JSON, kept in
results/question_segmentation.json.
"""

import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from pyvi import ViTokenizer  # type: ignore[import-not-found]  # noqa: E402 - not a dependency

from diemcau.questions.labelled import labelled_questions  # noqa: E402
from diemcau.questions.similarity import (  # noqa: E402
    DEFAULT,
    Config,
    Vectoriser,
    cluster_texts,
    cosine,
    pair_scores,
)

THRESHOLDS = (0.26, 0.3, 0.34, 0.38, 0.42, 0.46)


def evaluate(config: Config, texts: list[str], groups: list[str]) -> dict[str, object]:
    vec = Vectoriser(config).fit(texts)
    vecs = [vec.vector(t) for t in texts]
    right = 0
    for i in range(len(texts)):
        best = max((cosine(vecs[i], v), j) for j, v in enumerate(vecs) if j != i)
        right += groups[best[1]] == groups[i]
    f1s = []
    for threshold in THRESHOLDS:
        scores = []
        for seed in range(3):
            order = list(range(len(texts)))
            random.Random(seed).shuffle(order)
            ordered = [texts[i] for i in order]
            labels = cluster_texts(
                ordered, threshold, Vectoriser(config).fit(ordered), config=config
            )
            scores.append(pair_scores(labels, [groups[i] for i in order])["f1"])
        f1s.append(round(sum(scores) / len(scores), 4))
    return {"r_at_1": round(right / len(texts), 4), "f1_by_threshold": f1s, "best_f1": max(f1s)}


def main() -> None:
    rows = labelled_questions()
    groups = [r.group for r in rows]
    t0 = time.perf_counter()
    segmented = [ViTokenizer.tokenize(r.text) for r in rows]
    per_text_ms = (time.perf_counter() - t0) / len(rows) * 1000
    raw = [r.text for r in rows]
    words = Config(thesaurus=False, accent_aware=False, bigram=0.0, char=0.0)
    out: dict[str, object] = {
        "bench": "question_segmentation",
        "questions": len(rows),
        "thresholds": list(THRESHOLDS),
        "pyvi_ms_per_text": round(per_text_ms, 2),
        "example": [segmented[0], ViTokenizer.tokenize("con dau cua xa moi sau sap nhap")],
    }
    for name, config in (("word_tfidf", words), ("engine", DEFAULT)):
        out[name] = {
            "raw": evaluate(config, raw, groups),
            "pyvi_segmented": evaluate(config, segmented, groups),
        }
    text = json.dumps(out, ensure_ascii=False, indent=2)
    print(text)  # noqa: T201 - a bench reports
    (HERE / "results" / "question_segmentation.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
