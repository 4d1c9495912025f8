"""The pair scorer (pairs.py): learned on the tuning set only, and better at ranking than cosine."""

from diemcau.questions.labelled import Labelled, heldout_questions, labelled_questions
from diemcau.questions.pairs import (
    SIGNALS,
    PairScorer,
    fit_weights,
    shipped_weights,
    signals,
)
from diemcau.questions.similarity import Vectoriser, cosine

DEPTH = 20


def test_the_shipped_weights_are_exactly_those_the_tuning_set_gives() -> None:
    rows = labelled_questions()
    refit = fit_weights([r.text for r in rows], [r.group for r in rows])
    shipped = shipped_weights()
    assert len(shipped) == len(SIGNALS) + 1
    assert max(abs(a - b) for a, b in zip(refit, shipped, strict=True)) < 1e-4


def test_signals_tell_a_paraphrase_from_a_neighbour() -> None:
    rows = labelled_questions()
    texts = [r.text for r in rows]
    scorer = PairScorer.fitted(Vectoriser().fit(texts), texts)
    seal, seal_bare, other = (
        "Con dấu của xã mới sau sáp nhập được khắc ở đâu và khi nào được sử dụng?",
        "xa moi sau sap nhap thi khac con dau o dau, bao gio duoc dung?",
        "Văn bản ký trong thời gian chưa có con dấu mới của xã có giá trị pháp lý không?",
    )
    assert scorer.probability(seal, seal_bare) > 0.5 > scorer.probability(seal, other)
    cited = signals(
        scorer.profile("Theo Nghị định 178/2024/NĐ-CP cán bộ dôi dư hưởng gì?"),
        scorer.profile("nghi dinh 178/2024 can bo doi du huong che do gi"),
    )
    assert cited[SIGNALS.index("legal_reference")] == 1.0


def _rank1_reranked(rows: tuple[Labelled, ...]) -> float:
    """As the bench: the nearest DEPTH questions by cosine, re-ranked by the shipped scorer."""
    texts = [r.text for r in rows]
    scorer = PairScorer.fitted(Vectoriser().fit(texts), texts)
    vecs = [scorer.profile(t).vector for t in texts]
    right = 0
    for i, row in enumerate(rows):
        near = sorted(
            ((cosine(vecs[i], v), j) for j, v in enumerate(vecs) if j != i), reverse=True
        )[:DEPTH]
        best = scorer.rerank(texts[i], ((j, texts[j]) for _s, j in near))[0][0]
        right += rows[best].group == row.group
    return right / len(rows)


# A floor at what bench/bench_question_quality.py measured (bench/README.md), not the goal
# (R@1 0.90): the suggestions' order must not slide back unnoticed. The figure is exact (no
# randomness), so the floor is the measured figure itself.
def test_re_ranked_suggestions_hold_the_measured_held_out_figure() -> None:
    assert _rank1_reranked(heldout_questions()) >= 0.882  # measured 0.8825; cosine alone 0.8579
