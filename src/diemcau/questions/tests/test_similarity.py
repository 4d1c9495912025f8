"""The text side of duplicates and routing, on the project's labelled set (no database)."""

import unicodedata

from diemcau.questions.labelled import labelled_questions
from diemcau.questions.routing import SectorModel
from diemcau.questions.sectors import SEED
from diemcau.questions.similarity import (
    AUTO_JOIN,
    Vectoriser,
    cluster_texts,
    cosine,
    pair_scores,
)

SEAL = "Con dấu của xã mới sau sáp nhập được khắc ở đâu và khi nào được sử dụng?"


def test_the_labelled_set_is_large_enough_and_grouped() -> None:
    rows = labelled_questions()
    groups = {r.group for r in rows}
    assert len(rows) >= 150
    assert all(3 <= sum(r.group == g for r in rows) <= 6 for g in groups)
    assert len({r.sector for r in rows}) == len(SEED)


def test_diacritics_and_unicode_form_do_not_matter() -> None:
    vec = Vectoriser().fit(q.text for q in labelled_questions())
    nfd = unicodedata.normalize("NFD", SEAL)
    bare = "con dau cua xa moi sau sap nhap duoc khac o dau va khi nao duoc su dung?"
    assert cosine(vec.vector(SEAL), vec.vector(nfd)) > 0.999
    assert cosine(vec.vector(SEAL), vec.vector(bare)) > 0.999
    unrelated = "Trạm y tế các xã cũ sau sáp nhập được tổ chức lại thế nào?"
    assert cosine(vec.vector(SEAL), vec.vector(unrelated)) < AUTO_JOIN / 2


def test_automatic_clusters_are_precise_on_the_labelled_set() -> None:
    rows = labelled_questions()
    labels = cluster_texts([r.text for r in rows])
    scores = pair_scores(labels, [r.group for r in rows])
    # Automatic joining must rarely be wrong; the rest goes to moderators as suggestions.
    assert scores["precision"] >= 0.9
    assert scores["recall"] > 0.3


def test_routing_seeds_alone_route_most_of_the_labelled_set() -> None:
    model = SectorModel().fit((words, code, 10.0) for code, _name, words in SEED)
    rows = labelled_questions()
    right = sum((model.propose(r.text) or ("", 0.0))[0] == r.sector for r in rows)
    assert right / len(rows) > 0.6
    sector, confidence = model.propose("Thủ tục khắc dấu cho xã mới?") or ("", 0.0)
    assert sector == "van-phong-chinh-phu"
    assert 0.0 < confidence <= 1.0
