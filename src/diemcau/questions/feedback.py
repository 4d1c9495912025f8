"""Learning from the moderators: merges, splits and synonyms change later comparisons.

Moderation calls `learn_merge` and `learn_split` as it changes clusters; synonyms are added in
the admin or with `teach_synonym`. Every lesson is a database row (questions.Lesson) that
`revoke` switches off; the engine (engine.py) reads the lessons in force whenever they change.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from diemcau.questions.models import Cluster, Lesson, LessonKind, Question, QuestionStatus
from diemcau.questions.similarity import REPS_PER_CLUSTER
from diemcau.textnorm import nfc

# A split lesson halves a cluster's score for a question closer to the questions split off.
SPLIT_PENALTY = 0.5


def _first(questions: Iterable[int], n: int = REPS_PER_CLUSTER) -> list[int]:
    return sorted(questions)[:n]


def _members(cluster: Cluster) -> list[int]:
    return list(
        Question.objects.filter(cluster=cluster)
        .exclude(status=QuestionStatus.REJECTED)
        .values_list("pk", flat=True)
    )


def learn_merge(target: Cluster, source: Cluster, user: Any = None) -> Lesson | None:
    """Before `source` is folded into `target`: remember both groups as one question."""
    moved, kept = _first(_members(source)), _first(_members(target))
    if not moved or not kept:
        return None
    return Lesson.objects.create(
        kind=LessonKind.SAME,
        questions=moved,
        others=kept,
        created_by=user if getattr(user, "pk", None) else None,
    )


def learn_split(cluster: Cluster, moving: Sequence[int], user: Any = None) -> Lesson | None:
    """Before `moving` leave `cluster`: remember them as another question than those left."""
    moving_set = set(moving)
    left = _first(pk for pk in _members(cluster) if pk not in moving_set)
    moved = _first(moving_set)
    if not moved or not left:
        return None
    return Lesson.objects.create(
        kind=LessonKind.DIFFERENT,
        questions=moved,
        others=left,
        created_by=user if getattr(user, "pk", None) else None,
    )


def teach_synonym(phrase: str, other_phrase: str, user: Any = None) -> Lesson:
    """`phrase` means what `other_phrase` means (e.g. "thừa biên chế" = "dôi dư")."""
    return Lesson.objects.create(
        kind=LessonKind.SYNONYM,
        phrase=nfc(phrase)[:200],
        other_phrase=nfc(other_phrase)[:200],
        created_by=user if getattr(user, "pk", None) else None,
    )


def revoke(lesson_id: int) -> None:
    """Undo a lesson: the engine forgets it at its next use."""
    Lesson.objects.filter(pk=lesson_id, revoked_at__isnull=True).update(revoked_at=timezone.now())


def in_force() -> list[Lesson]:
    return list(Lesson.objects.filter(revoked_at__isnull=True).order_by("pk"))


def version() -> tuple[object, ...]:
    """Changes whenever a lesson is added or revoked (the engine's cache key)."""
    row = Lesson.objects.aggregate(n=Count("pk"), last=Max("pk"), revoked=Max("revoked_at"))
    return (row["n"], row["last"], row["revoked"])
