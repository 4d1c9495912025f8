"""The per-process similarity index and routing model, kept in step with the database.

The index holds every question's vector by id. It catches up by reading questions with a larger
id than the last it saw (one indexed query per use), and is rebuilt — IDF refitted — when the
corpus has doubled since the last fit or when ids went backwards (a test database rolled back).
Cluster membership is never cached: callers read it from the database for the few candidates.

The routing model is rebuilt when the set of confirmed routes or of sectors changes.
"""

import threading
from dataclasses import dataclass

from django.db.models import Count, Max

from diemcau.questions.labelled import labelled_questions
from diemcau.questions.models import Cluster, Question, Sector
from diemcau.questions.routing import (
    CONFIRMED_WEIGHT,
    KEYWORD_WEIGHT,
    LABELLED_WEIGHT,
    SectorModel,
)
from diemcau.questions.similarity import Index, Vectoriser

_lock = threading.Lock()


@dataclass
class _IndexState:
    index: Index
    last_id: int
    fitted_on: int


_state: _IndexState | None = None
_model: tuple[tuple[object, ...], SectorModel] | None = None


def reset() -> None:
    """Forget the cached index and model (tests roll back the database under them)."""
    global _state, _model  # noqa: PLW0603 — the per-process cache is this module's purpose
    with _lock:
        _state = None
        _model = None


def _build() -> _IndexState:
    rows = list(Question.objects.order_by("pk").values_list("pk", "text_folded"))
    corpus = [q.text for q in labelled_questions()] + [text for _pk, text in rows]
    index = Index(Vectoriser().fit(corpus))
    for pk, text in rows:
        index.add(pk, index.vectoriser.vector(text))
    return _IndexState(index=index, last_id=rows[-1][0] if rows else 0, fitted_on=len(rows))


def question_index() -> Index:
    """The index, caught up with the database."""
    global _state  # noqa: PLW0603
    with _lock:
        max_id = Question.objects.aggregate(m=Max("pk"))["m"] or 0
        state = _state
        if state is None or max_id < state.last_id:
            state = _build()
        else:
            rows = list(
                Question.objects.filter(pk__gt=state.last_id)
                .order_by("pk")
                .values_list("pk", "text_folded")
            )
            if len(state.index.vectors) + len(rows) > 2 * state.fitted_on + 200:
                state = _build()
            else:
                for pk, text in rows:
                    state.index.add(pk, state.index.vectoriser.vector(text))
                    state.last_id = pk
        _state = state
        return state.index


def sector_model() -> SectorModel:
    """The routing model, refitted when confirmed routes or sectors changed."""
    global _model  # noqa: PLW0603
    confirmed = Cluster.objects.filter(routed_at__isnull=False).aggregate(
        n=Count("pk"), last=Max("routed_at")
    )
    sectors = list(Sector.objects.filter(is_active=True).values_list("code", "keywords"))
    key = (confirmed["n"], confirmed["last"], tuple(sectors))
    with _lock:
        if _model is not None and _model[0] == key:
            return _model[1]
    active = {code for code, _kw in sectors}
    examples = [(kw, code, KEYWORD_WEIGHT) for code, kw in sectors if kw]
    examples += [
        (q.text, q.sector, LABELLED_WEIGHT) for q in labelled_questions() if q.sector in active
    ]
    examples += [
        (text, code, CONFIRMED_WEIGHT)
        for text, code in Question.objects.filter(
            cluster__routed_at__isnull=False, cluster__sector__is_active=True
        ).values_list("text", "cluster__sector__code")
    ]
    model = SectorModel().fit(examples)
    with _lock:
        _model = (key, model)
    return model
