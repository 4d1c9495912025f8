"""What a caller may read: questions and clusters through `access`, a draft answer by role.

Every other service reads through here, so a question outside the caller's scope does not exist
for them (404) whichever page or endpoint they come from.
"""

from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import NotFound
from diemcau.questions import access
from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus
from diemcau.textnorm import fold


@dataclass(frozen=True)
class QuestionFilters:
    site: str | None = None
    status: str | None = None
    sector: str | None = None
    cluster: int | None = None
    session: int | None = None
    q: str | None = None


def visible_questions(scope: Scope, filters: QuestionFilters | None = None) -> QuerySet[Question]:
    read_q = access.question_read_q(scope)
    if read_q is None:
        return Question.objects.none()
    qs = Question.objects.filter(read_q).select_related(
        "site", "unit", "cluster__sector", "cluster__proposed_sector", "cluster__answer__sector"
    )
    f = filters or QuestionFilters()
    if f.site:
        qs = qs.filter(site__code=f.site)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.sector:
        qs = qs.filter(cluster__sector__code=f.sector)
    if f.cluster:
        qs = qs.filter(cluster_id=f.cluster)
    if f.session:
        qs = qs.filter(session_id=f.session)
    for word in fold(f.q or "").split():
        qs = qs.filter(text_folded__contains=word)
    return qs


def get_question(scope: Scope, pk: int) -> Question:
    question = visible_questions(scope).filter(pk=pk).first()
    if question is None:
        raise NotFound(_("Question %(id)s not found.") % {"id": pk})
    return question


def visible_clusters(
    scope: Scope,
    *,
    sector: str | None = None,
    session: int | None = None,
    queue: bool = False,
    unrouted: bool = False,
) -> QuerySet[Cluster]:
    """Clusters with a question the caller may read, the most widely asked first.

    `queue` narrows to what a sector answerer still has to answer: routed to one of their
    sectors, no answer yet. With `session`, only questions asked in that session count.
    """
    questions = visible_questions(scope).exclude(status=QuestionStatus.REJECTED)
    if session:
        questions = questions.filter(session_id=session)
    if not session and access.question_read_q(scope) == Q():
        readable = Cluster.objects.filter(live_questions__gt=0)  # reads everything
    else:
        readable = Cluster.objects.filter(pk__in=questions.values("cluster"))
    readable = readable.select_related("sector", "proposed_sector", "answer__sector")
    if session:
        counted = ~Q(questions__status=QuestionStatus.REJECTED) & Q(questions__session_id=session)
        qs = readable.annotate(
            n_sites=Count("questions__site", distinct=True, filter=counted),
            n_questions=Count("questions", distinct=True, filter=counted),
            title=first_text("pk"),
        )
    else:
        # Counted by the database's triggers (questions.upkeep): no scan of every question.
        qs = readable.annotate(
            n_sites=F("live_sites"), n_questions=F("live_questions"), title=first_text("pk")
        )
    qs = qs.order_by("-n_sites", "-n_questions", "pk")
    if sector:
        qs = qs.filter(sector__code=sector)
    if queue:
        qs = qs.filter(sector__code__in=sorted(scope.sectors), answer__isnull=True)
    if unrouted:
        qs = qs.filter(sector__isnull=True)
    return qs


def first_text(cluster_ref: str) -> Subquery:
    """The text of a cluster's earliest live question: its title in lists, in one query."""
    return Subquery(
        Question.objects.filter(cluster=OuterRef(cluster_ref))
        .exclude(status=QuestionStatus.REJECTED)
        .order_by("created_at", "pk")
        .values("text")[:1]
    )


def get_cluster(scope: Scope, pk: int) -> Cluster:
    cluster = visible_clusters(scope).filter(pk=pk).first()
    if cluster is None:
        raise NotFound(_("Question cluster %(id)s not found.") % {"id": pk})
    return cluster


def cluster_questions(scope: Scope, cluster: Cluster) -> QuerySet[Question]:
    return visible_questions(scope, QuestionFilters(cluster=cluster.pk)).exclude(
        status=QuestionStatus.REJECTED
    )


def shown_answer(scope: Scope, cluster: Cluster | None) -> Answer | None:
    """The cluster's answer as this caller may see it: a draft only to those who may answer it.

    The ministry may still revise a draft, so an asking site (its operators, its organisers,
    viewers) gets the answer once it is published; the routed sector and central see the draft.
    """
    answer: Answer | None = getattr(cluster, "answer", None) if cluster is not None else None
    if answer is None or answer.published_at is not None:
        return answer
    assert cluster is not None
    sector = cluster.sector.code if cluster.sector is not None else None
    return answer if access.can_answer(scope, sector) else None
