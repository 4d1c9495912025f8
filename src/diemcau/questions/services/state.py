"""A cluster's state is derived from its route, answer and publication; questions mirror it.

Kept in one place because intake, moderation and answering each change what it derives from,
and the pages filter on the same derivation.
"""

from django.db.models import QuerySet

from diemcau.questions.models import Cluster, Question, QuestionStatus

CLUSTER_STATES = (
    QuestionStatus.NEW,
    QuestionStatus.ROUTED,
    QuestionStatus.ANSWERED,
    QuestionStatus.PUBLISHED,
)


def cluster_status(cluster: Cluster) -> str:
    answer = getattr(cluster, "answer", None)
    if answer is not None:
        return QuestionStatus.PUBLISHED if answer.published_at else QuestionStatus.ANSWERED
    return QuestionStatus.ROUTED if cluster.sector_id else QuestionStatus.NEW


def sync(cluster: Cluster) -> None:
    """Every live question of the cluster takes the cluster's state."""
    cluster = Cluster.objects.select_related("answer").get(pk=cluster.pk)
    Question.objects.filter(cluster=cluster).exclude(status=QuestionStatus.REJECTED).update(
        status=cluster_status(cluster)
    )


def in_state(qs: QuerySet[Cluster], status: str | None) -> QuerySet[Cluster]:
    """A cluster's state is derived (route, answer, publication), so filter on those."""
    if status == QuestionStatus.NEW:
        return qs.filter(sector__isnull=True, answer__isnull=True)
    if status == QuestionStatus.ROUTED:
        return qs.filter(sector__isnull=False, answer__isnull=True)
    if status == QuestionStatus.ANSWERED:
        return qs.filter(answer__isnull=False, answer__published_at__isnull=True)
    if status == QuestionStatus.PUBLISHED:
        return qs.filter(answer__published_at__isnull=False)
    return qs
