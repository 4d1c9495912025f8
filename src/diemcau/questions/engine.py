"""The per-process similarity index and routing model, kept in step with the database.

The index holds every question's vector by id. It catches up by reading questions with a larger
id than the last it saw (one indexed query per use), and is rebuilt — IDF refitted — when the
corpus has doubled since the last fit, when ids went backwards (a test database rolled back) or
when the moderators' lessons changed (a synonym changes every vector). Cluster membership is
never cached: callers read it from the database for the few candidates.

The routing model is rebuilt when the set of confirmed routes, of sectors or of lessons changes.
"""

import threading
from dataclasses import dataclass, field

from django.db.models import Count, Max

from diemcau.questions import feedback
from diemcau.questions.labelled import labelled_questions
from diemcau.questions.models import Cluster, LessonKind, Question, QuestionStatus, Sector
from diemcau.questions.pairs import PairScorer
from diemcau.questions.routing import (
    CONFIRMED_WEIGHT,
    KEYWORD_WEIGHT,
    LABELLED_WEIGHT,
    SectorModel,
)
from diemcau.questions.sectors import VOCABULARY
from diemcau.questions.similarity import (
    AUTO_JOIN,
    IDF_SAMPLE,
    REPS_PER_CLUSTER,
    Index,
    Vector,
    Vectoriser,
    cosine,
)
from diemcau.questions.thesaurus import Thesaurus, shipped

_lock = threading.Lock()


@dataclass
class Lessons:
    """The lessons in force, as the engine uses them."""

    key: tuple[object, ...]
    thesaurus: Thesaurus
    # question id → the groups (of question ids) a merge taught to count as one question
    groups: dict[int, list[tuple[int, ...]]] = field(default_factory=dict)
    # (questions split off, questions left) pairs
    splits: list[tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)


@dataclass
class _IndexState:
    index: Index
    scorer: PairScorer
    last_id: int
    fitted_on: int
    lessons_key: tuple[object, ...]


_state: _IndexState | None = None
_model: tuple[tuple[object, ...], SectorModel] | None = None
_lessons: Lessons | None = None


def reset() -> None:
    """Forget the cached index, model and lessons (tests roll the database back under them)."""
    global _state, _model, _lessons  # noqa: PLW0603 — the per-process cache is this module's purpose
    with _lock:
        _state = None
        _model = None
        _lessons = None


def lessons() -> Lessons:
    """The moderators' lessons in force (re-read when one is added or revoked)."""
    global _lessons  # noqa: PLW0603
    key = feedback.version()
    current = _lessons
    if current is not None and current.key == key:
        return current
    rows = feedback.in_force()
    made = Lessons(
        key=key,
        thesaurus=shipped().with_synonyms(
            (row.phrase, row.other_phrase)
            for row in rows
            if row.kind == LessonKind.SYNONYM and row.phrase and row.other_phrase
        ),
    )
    for row in rows:
        if row.kind == LessonKind.SAME:
            for group in (tuple(row.questions), tuple(row.others)):
                for pk in group:
                    made.groups.setdefault(pk, []).append(group)
        elif row.kind == LessonKind.DIFFERENT:
            made.splits.append((tuple(row.questions), tuple(row.others)))
    _lessons = made
    return made


def _build(taught: Lessons) -> _IndexState:
    rows = list(Question.objects.order_by("pk").values_list("pk", "text"))
    corpus = [q.text for q in labelled_questions()] + [text for _pk, text in rows]
    index = Index(Vectoriser(thesaurus=taught.thesaurus).fit(corpus))
    for pk, text in rows:
        index.add(pk, index.vectoriser.vector(text))
    # The scorer's own vectorisers: document frequencies settle on an even sample.
    scorer = PairScorer.fitted(index.vectoriser, corpus[:: max(1, len(corpus) // IDF_SAMPLE)])
    return _IndexState(
        index=index,
        scorer=scorer,
        last_id=rows[-1][0] if rows else 0,
        fitted_on=len(rows),
        lessons_key=taught.key,
    )


def question_index() -> Index:
    """The index, caught up with the database."""
    return _caught_up().index


def pair_scorer() -> PairScorer:
    """The pair scorer over the index's vectoriser (pairs.py), for re-ranking suggestions."""
    return _caught_up().scorer


def _caught_up() -> _IndexState:
    global _state  # noqa: PLW0603
    taught = lessons()
    with _lock:
        max_id = Question.objects.aggregate(m=Max("pk"))["m"] or 0
        state = _state
        if state is None or max_id < state.last_id or state.lessons_key != taught.key:
            state = _build(taught)
        else:
            rows = list(
                Question.objects.filter(pk__gt=state.last_id)
                .order_by("pk")
                .values_list("pk", "text")
            )
            if len(state.index.vectors) + len(rows) > 2 * state.fitted_on + 200:
                state = _build(taught)
            else:
                for pk, text in rows:
                    state.index.add(pk, state.index.vectoriser.vector(text))
                    state.last_id = pk
        _state = state
        return state


def _mean(vec: Vector, index: Index, group: tuple[int, ...] | list[int]) -> float:
    vectors = [index.vectors[pk] for pk in group if pk in index.vectors]
    return sum(cosine(vec, v) for v in vectors) / len(vectors) if vectors else 0.0


def cluster_scores(text: str, k: int = 10) -> list[tuple[int, float]]:
    """(cluster id, score) of the clusters `text` may belong to, best first.

    A cluster's score is the mean cosine with its first REPS_PER_CLUSTER live questions (average
    linkage); where a merge taught that a group of its questions is the same question, with that
    group too, whichever is higher. A split lowers the score of the cluster left behind for a
    question closer to the questions split off.
    """
    index = question_index()
    taught = lessons()
    vec = index.vectoriser.vector(text)
    hits = index.nearest(vec, k=k)
    if not hits:
        return []
    cluster_of = dict(
        Question.objects.filter(pk__in=[pk for pk, _s in hits], cluster__isnull=False)
        .exclude(status=QuestionStatus.REJECTED)
        .values_list("pk", "cluster_id")
    )
    candidates = set(cluster_of.values())
    members: dict[int, list[int]] = {}
    for pk, cluster_id in (
        Question.objects.filter(cluster_id__in=candidates)
        .exclude(status=QuestionStatus.REJECTED)
        .order_by("cluster_id", "pk")
        .values_list("pk", "cluster_id")
    ):
        members.setdefault(cluster_id, []).append(pk)
    scores: list[tuple[int, float]] = []
    for cluster_id in candidates:
        inside = members.get(cluster_id, [])
        score = _mean(vec, index, inside[:REPS_PER_CLUSTER])
        taught_groups = {g for pk in inside for g in taught.groups.get(pk, ())}
        for group in taught_groups:
            live = [pk for pk in group if pk in set(inside)]
            if live:
                score = max(score, _mean(vec, index, live))
        for moved, left in taught.splits:
            if set(left) & set(inside) and _mean(vec, index, moved) > _mean(vec, index, left):
                score *= feedback.SPLIT_PENALTY
        scores.append((cluster_id, score))
    scores.sort(key=lambda pair: pair[1], reverse=True)
    return scores


def cluster_to_join(text: str) -> tuple[int, float] | None:
    """The cluster `text` joins without a person (score ≥ AUTO_JOIN), if any."""
    scores = cluster_scores(text)
    if scores and scores[0][1] >= AUTO_JOIN:
        return scores[0]
    return None


def sector_model() -> SectorModel:
    """The routing model, refitted when confirmed routes, sectors or lessons changed."""
    global _model  # noqa: PLW0603
    taught = lessons()
    confirmed = Cluster.objects.filter(routed_at__isnull=False).aggregate(
        n=Count("pk"), last=Max("routed_at")
    )
    sectors = list(Sector.objects.filter(is_active=True).values_list("code", "keywords"))
    key = (confirmed["n"], confirmed["last"], tuple(sectors), taught.key)
    with _lock:
        if _model is not None and _model[0] == key:
            return _model[1]
    active = {code for code, _kw in sectors}
    examples = [(kw, code, KEYWORD_WEIGHT) for code, kw in sectors if kw]
    examples += [(VOCABULARY[code], code, KEYWORD_WEIGHT) for code in active if code in VOCABULARY]
    examples += [
        (q.text, q.sector, LABELLED_WEIGHT) for q in labelled_questions() if q.sector in active
    ]
    routed = list(
        Question.objects.filter(cluster__routed_at__isnull=False, cluster__sector__is_active=True)
        .exclude(status=QuestionStatus.REJECTED)
        .values_list("pk", "text", "cluster__sector__code")
    )
    examples += [(text, code, CONFIRMED_WEIGHT) for _pk, text, code in routed]
    vocabulary = {code: f"{kw} {VOCABULARY.get(code, '')}" for code, kw in sectors}
    model = SectorModel(thesaurus=taught.thesaurus).fit(examples, vocabulary)
    # Confirmed questions route their near twins (the cluster a new question nearly joined).
    index = question_index()
    near = Index(index.vectoriser)
    for pk, _text, _code in routed:
        if pk in index.vectors:
            near.add(pk, index.vectors[pk])
    model.remember(near, {pk: code for pk, _text, code in routed})
    with _lock:
        _model = (key, model)
    return model
