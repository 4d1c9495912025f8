"""The text side of duplicates and routing, on the project's labelled set (no database)."""

import random
import unicodedata

from diemcau.questions.labelled import Labelled, heldout_questions, labelled_questions
from diemcau.questions.routing import KEYWORD_WEIGHT, LABELLED_WEIGHT, SectorModel
from diemcau.questions.sectors import SEED, VOCABULARY
from diemcau.questions.similarity import (
    AUTO_JOIN,
    Index,
    Vectoriser,
    cluster_texts,
    cosine,
    pair_scores,
    terms,
)
from diemcau.questions.thesaurus import shipped

SEAL = "Con dấu của xã mới sau sáp nhập được khắc ở đâu và khi nào được sử dụng?"


def test_the_labelled_set_is_large_enough_and_grouped() -> None:
    rows = labelled_questions()
    groups = {r.group for r in rows}
    assert len(rows) >= 300
    assert all(3 <= sum(r.group == g for r in rows) <= 6 for g in groups)
    assert len({r.sector for r in rows}) == len(SEED)


def test_diacritics_and_unicode_form_do_not_matter() -> None:
    vec = Vectoriser().fit(q.text for q in labelled_questions())
    nfd = unicodedata.normalize("NFD", SEAL)
    bare = "con dau cua xa moi sau sap nhap duoc khac o dau va khi nao duoc su dung?"
    assert cosine(vec.vector(SEAL), vec.vector(nfd)) > 0.999
    # Without diacritics "dau" may be dấu, đầu or dầu as well as the filler đâu: it is kept.
    assert cosine(vec.vector(SEAL), vec.vector(bare)) > 0.7
    unrelated = "Trạm y tế các xã cũ sau sáp nhập được tổ chức lại thế nào?"
    assert cosine(vec.vector(SEAL), vec.vector(unrelated)) < AUTO_JOIN / 2


def test_the_thesaurus_joins_administrative_synonyms_with_or_without_diacritics() -> None:
    surplus = {"thừa biên chế", "dư thừa", "dôi dư", "thua bien che", "doi du"}
    assert {tuple(terms(f"cán bộ {p}")) for p in surplus} == {("can_bo", "doi_du")}
    assert terms("UBND xã") == terms("ủy ban nhân dân cấp xã")
    # Marks decide where they are typed: "chợ" is the market, "cho" the filler.
    assert "cho" in terms("Quản lý chợ sau sắp xếp")
    assert "cho" not in terms("Giao cho xã quản lý")
    assert terms("trụ sở dôi dư") != terms("cán bộ dôi dư")


def test_a_moderator_synonym_extends_the_shipped_thesaurus() -> None:
    taught = shipped().with_synonyms([("ngồi chơi xơi nước", "dôi dư")])
    assert terms("cán bộ ngồi chơi xơi nước", thesaurus=taught) == ["can_bo", "doi_du"]
    assert "doi_du" not in terms("cán bộ ngồi chơi xơi nước")  # the shipped one is unchanged


def _engine_f1(rows: tuple[Labelled, ...], orders: int = 3) -> float:
    """The engine's one-pass clusters, mean pairwise F1 over arrival orders (as the bench)."""
    scores = []
    for seed in range(orders):
        order = list(range(len(rows)))
        random.Random(seed).shuffle(order)
        texts = [rows[i].text for i in order]
        labels = cluster_texts(texts, vectoriser=Vectoriser().fit(texts))
        scores.append(pair_scores(labels, [rows[i].group for i in order])["f1"])
    return sum(scores) / len(scores)


def _rank1(rows: tuple[Labelled, ...]) -> float:
    """How often the nearest other question is a paraphrase."""
    vec = Vectoriser().fit(r.text for r in rows)
    vecs = [vec.vector(r.text) for r in rows]
    right = 0
    for i, row in enumerate(rows):
        best = max((cosine(vecs[i], v), j) for j, v in enumerate(vecs) if j != i)
        right += rows[best[1]].group == row.group
    return right / len(rows)


# Floors at what bench/bench_question_quality.py measured (bench/README.md, issue 18; the
# held-out figures are exact, seeded orders, so the floor is the figure), not the goals (F1 0.85,
# R@1 0.90): they stop the engine from sliding back unnoticed.
def test_automatic_clusters_hold_the_measured_tuning_figure() -> None:
    assert _engine_f1(labelled_questions()) >= 0.70  # measured 0.724; before issue 18: 0.40


def test_automatic_clusters_hold_the_measured_held_out_figure() -> None:
    assert _engine_f1(heldout_questions()) >= 0.655  # measured 0.6553; before issue 18: 0.17


def test_the_nearest_question_is_a_paraphrase_as_often_as_measured() -> None:
    assert _rank1(labelled_questions()) >= 0.91  # measured 0.926
    assert _rank1(heldout_questions()) >= 0.857  # measured 0.8579; before issue 18: 0.80


def test_routing_seeds_alone_route_most_of_the_labelled_set() -> None:
    model = SectorModel().fit((words, code, 10.0) for code, _name, words in SEED)
    rows = labelled_questions()
    right = sum((model.propose(r.text) or ("", 0.0))[0] == r.sector for r in rows)
    assert right / len(rows) > 0.6
    sector, confidence = model.propose("Thủ tục khắc dấu cho xã mới?") or ("", 0.0)
    assert sector == "van-phong-chinh-phu"
    assert 0.0 < confidence <= 1.0


def test_a_confirmed_near_twin_routes_a_question_the_keywords_miss() -> None:
    """The cluster a question nearly joined lends its confirmed sector (routing.NEAR_ROUTE)."""
    model = SectorModel().fit((words, code, 10.0) for code, _name, words in SEED)
    seal_doc = "Văn bản ký trong thời gian chưa có con dấu mới của xã có giá trị pháp lý không?"
    twin = "chua co con dau moi thi van ban xa ky co gia tri phap ly khong?"
    assert (model.propose(seal_doc) or ("", 0.0))[0] == "tu-phap"  # the keywords alone miss
    vectoriser = Vectoriser().fit(r.text for r in labelled_questions())
    confirmed = Index(vectoriser)
    confirmed.add(1, vectoriser.vector(twin))
    model.remember(confirmed, {1: "van-phong-chinh-phu"})
    sector, confidence = model.propose(seal_doc) or ("", 0.0)
    assert sector == "van-phong-chinh-phu"
    # the confidence stays the model's own for that sector: a twin alone never auto-routes
    assert confidence == dict(model.rank(seal_doc))["van-phong-chinh-phu"] < 0.97
    # a question unlike the confirmed one keeps the model's proposal
    assert (model.propose("Thủ tục khắc dấu cho xã mới?") or ("", 0.0))[0] == (
        model.rank("Thủ tục khắc dấu cho xã mới?")[0][0]
    )


def test_routing_holds_the_measured_held_out_figure() -> None:
    """The shipped model (keywords, vocabulary, the whole tuning set) on the held-out set."""
    examples = [(words, code, KEYWORD_WEIGHT) for code, _name, words in SEED]
    examples += [(VOCABULARY[code], code, KEYWORD_WEIGHT) for code, _name, _w in SEED]
    examples += [(r.text, r.sector, LABELLED_WEIGHT) for r in labelled_questions()]
    named = {code: f"{words} {VOCABULARY[code]}" for code, _name, words in SEED}
    model = SectorModel().fit(examples, named)
    rows = heldout_questions()
    right = sum((model.propose(r.text) or ("", 0.0))[0] == r.sector for r in rows)
    assert right >= 289  # measured 289 / 366 = 0.790 (bench/README.md); goal 0.95
