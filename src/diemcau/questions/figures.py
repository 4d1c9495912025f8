"""Question figures for reports: received, clustered, answered, time to answer — by sector.

Counted over the questions the caller may read (access.py: a sector answerer sees their sector's,
a province organiser their province's), asked from units under `unit`, in one session or all.
"""

import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from diemcau.accounts.scopes import Scope
from diemcau.questions.models import QuestionStatus
from diemcau.questions.services import visible_questions
from diemcau.units.models import Unit
from diemcau.units.services import units_under_q

ANSWERED = (QuestionStatus.ANSWERED, QuestionStatus.PUBLISHED)


@dataclass(frozen=True)
class SectorFigures:
    code: str
    name: str
    received: int
    clusters: int
    answered: int
    published: int
    median_hours_to_answer: float | None


def _median_hours(rows: list[tuple[Any, Any]]) -> float | None:
    spans = [(answered - asked).total_seconds() / 3600 for asked, answered in rows if answered]
    return round(statistics.median(spans), 1) if spans else None


def by_sector(scope: Scope, unit: Unit, session_id: int | None) -> list[SectorFigures]:
    qs = visible_questions(scope).filter(units_under_q(unit, "unit__"))
    if session_id is not None:
        qs = qs.filter(session_id=session_id)
    rows = (
        qs.values("cluster__sector__code", "cluster__sector__name")
        .annotate(
            received=Count("pk"),
            clusters=Count("cluster", distinct=True),
            answered=Count("pk", filter=Q(status__in=ANSWERED)),
            published=Count("pk", filter=Q(status=QuestionStatus.PUBLISHED)),
        )
        .order_by("cluster__sector__name")
    )
    spans: dict[str | None, list[tuple[Any, Any]]] = {}
    for code, asked, answered in qs.filter(status__in=ANSWERED).values_list(
        "cluster__sector__code", "created_at", "cluster__answer__created_at"
    ):
        spans.setdefault(code, []).append((asked, answered))
    return [
        SectorFigures(
            code=row["cluster__sector__code"] or "",
            name=row["cluster__sector__name"] or "",
            received=row["received"],
            clusters=row["clusters"],
            answered=row["answered"],
            published=row["published"],
            median_hours_to_answer=_median_hours(spans.get(row["cluster__sector__code"], [])),
        )
        for row in rows
    ]


def received(scope: Scope, unit: Unit, session_id: int | None) -> int:
    qs = visible_questions(scope).filter(units_under_q(unit, "unit__"))
    if session_id is not None:
        qs = qs.filter(session_id=session_id)
    return qs.count()
