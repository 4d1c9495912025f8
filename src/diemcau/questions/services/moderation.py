"""Organisers shape the clusters: route to a sector, merge duplicates, split, reject.

Every change is refused (403) unless all the questions it touches lie in the moderator's units,
so an organiser cannot move another province's question by merging it.
"""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid
from diemcau.questions import access, feedback
from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus
from diemcau.questions.services.intake import propose, similar
from diemcau.questions.services.reading import get_cluster, get_question, visible_clusters
from diemcau.questions.services.sector_list import active_sector
from diemcau.questions.services.state import sync
from diemcau.textnorm import nfc


def _check_moderate(scope: Scope, questions: QuerySet[Question]) -> None:
    if not access.can_moderate_all(scope, questions):
        raise Forbidden(_("You may not moderate these questions."))


def suggestions(scope: Scope, pk: int, k: int = 5) -> list[tuple[Cluster, float, Question]]:
    """Other clusters that may be the same question, best first, for a moderator to merge."""
    cluster = get_cluster(scope, pk)
    best: dict[int, tuple[float, Question]] = {}
    for question in Question.objects.filter(cluster=cluster).order_by("pk")[:10]:
        for other, score in similar(question.text, k=k + 5, exclude=question.pk):
            if other.cluster_id == cluster.pk:
                continue
            assert other.cluster_id is not None
            if score > best.get(other.cluster_id, (0.0, other))[0]:
                best[other.cluster_id] = (score, other)
    readable = {c.pk: c for c in visible_clusters(scope).filter(pk__in=list(best))}
    ranked = sorted(
        ((readable[cid], score, q) for cid, (score, q) in best.items() if cid in readable),
        key=lambda row: row[1],
        reverse=True,
    )
    return ranked[:k]


@transaction.atomic
def route_cluster(scope: Scope, user: Any, pk: int, sector: str) -> Cluster:
    """A moderator confirms or changes the sector; confirmed routes train later proposals."""
    cluster = get_cluster(scope, pk)
    _check_moderate(scope, Question.objects.filter(cluster=cluster))
    cluster.sector = active_sector(sector)
    cluster.routed_by = user if getattr(user, "pk", None) else None
    cluster.routed_at = timezone.now()
    cluster.save(update_fields=["sector", "routed_by", "routed_at"])
    sync(cluster)
    return get_cluster(scope, pk)


@transaction.atomic
def merge_clusters(scope: Scope, pk: int, other: int) -> Cluster:
    """Fold cluster `other` into `pk`: one answer then reaches the sites of both."""
    # Scope first (404 / 403), input after: a caller outside learns nothing from the 422.
    target, source = get_cluster(scope, pk), get_cluster(scope, other)
    _check_moderate(scope, Question.objects.filter(cluster__in=[target, source]))
    if pk == other:
        raise Invalid(_("A cluster cannot be merged with itself."))
    target_answer = Answer.objects.filter(cluster=target).first()
    source_answer = Answer.objects.filter(cluster=source).first()
    if target_answer and source_answer:
        raise Invalid(_("Both clusters have an answer; delete one answer before merging."))
    feedback.learn_merge(target, source)  # the engine learns that both are one question
    Question.objects.filter(cluster=source).update(cluster=target, similarity=None)
    if source_answer:
        source_answer.cluster = target
        source_answer.save(update_fields=["cluster"])
    if target.sector_id is None and source.sector_id is not None:
        target.sector_id = source.sector_id
        target.routed_by_id = source.routed_by_id
        target.routed_at = source.routed_at
        target.save(update_fields=["sector", "routed_by", "routed_at"])
    Cluster.objects.filter(pk=source.pk).delete()
    sync(target)
    return get_cluster(scope, pk)


@transaction.atomic
def split_questions(scope: Scope, pk: int, question_ids: Sequence[int]) -> Cluster:
    """Move some questions of a cluster into a new cluster of their own (unrouted, unanswered)."""
    cluster = get_cluster(scope, pk)
    moving = Question.objects.filter(cluster=cluster, pk__in=list(question_ids))
    _check_moderate(scope, moving)  # the right first (403), then the input (422)
    if not question_ids or moving.count() != len(set(question_ids)):
        raise Invalid(
            _("Some fields are invalid."),
            {"questions": _("Give questions of this cluster to split off.")},
        )
    if not Question.objects.filter(cluster=cluster).exclude(pk__in=list(question_ids)).exists():
        raise Invalid(_("Splitting off every question would leave the cluster empty."))
    feedback.learn_split(cluster, list(question_ids))  # the engine learns they differ
    new = Cluster()
    propose(new, list(moving.values_list("text", flat=True)))
    new.save()
    moving.update(cluster=new, similarity=None)
    sync(new)
    return get_cluster(scope, new.pk)


@transaction.atomic
def reject_question(scope: Scope, pk: int, reason: str) -> Question:
    question = get_question(scope, pk)
    _check_moderate(scope, Question.objects.filter(pk=pk))
    if not nfc(reason or ""):
        raise Invalid(_("Some fields are invalid."), {"reason": _("Give a reason.")})
    question.status = QuestionStatus.REJECTED
    question.reject_reason = nfc(reason)
    question.save(update_fields=["status", "reject_reason"])
    return question
