"""Ranked cluster lists for the moderation and answering pages, cheap at 50,000 questions.

The page is ranked by ids first and only its own rows get titles and question lists: computing
a title for every cluster before sorting is what made the first version slow (bench
`bench_question_pages.py`).
"""

from collections.abc import Sequence

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

from diemcau.accounts.scopes import Scope
from diemcau.questions import access
from diemcau.questions.models import Cluster, Question, QuestionStatus
from diemcau.questions.services.reading import QuestionFilters, visible_clusters, visible_questions
from diemcau.questions.services.state import in_state
from diemcau.textnorm import fold


def moderation_clusters(
    scope: Scope, filters: QuestionFilters | None = None, *, answering: bool = False
) -> QuerySet[Cluster]:
    """Clusters for the moderation and answering pages, the most widely asked first.

    The text search runs over the questions the caller may read (with or without diacritics);
    `answering` keeps only clusters routed to the caller's sectors (all sectors for central).
    """
    f = filters or QuestionFilters()
    qs = in_state(visible_clusters(scope, sector=f.sector, session=f.session), f.status)
    if answering:
        qs = qs.filter(sector__isnull=False)
        if not scope.everything:
            qs = qs.filter(sector__code__in=sorted(scope.sectors))
    if f.q and fold(f.q).split():
        matching = visible_questions(scope, QuestionFilters(q=f.q)).exclude(
            status=QuestionStatus.REJECTED
        )
        qs = qs.filter(pk__in=matching.values("cluster"))
    return qs


def count_clusters(clusters: QuerySet[Cluster]) -> int:
    """Count a ranked list without computing every cluster's title (5× cheaper at 50,000)."""
    return clusters.order_by().values("pk").count()


def ranked_page(clusters: QuerySet[Cluster], offset: int, limit: int) -> list[Cluster]:
    """One page of a ranked list: rank by ids first, then titles and counts for that page only.

    Selecting the title subquery with the ranking makes the database compute it for every
    cluster before sorting (about 1 s at 50,000 questions on SQLite); this takes a tenth.
    """
    ids = list(clusters.values_list("pk", flat=True)[offset : offset + limit])
    rows = {c.pk: c for c in clusters.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def questions_of(
    scope: Scope, cluster_ids: Sequence[int], per_cluster: int | None = None
) -> dict[int, list[Question]]:
    """The readable live questions of a page of clusters, by cluster, oldest first.

    With `per_cluster`, only the first few of each: a widely asked cluster holds thousands, and
    a window over them all reads every one.
    """
    by_cluster: dict[int, list[Question]] = {pk: [] for pk in cluster_ids}
    if not cluster_ids:
        return by_cluster
    live = visible_questions(scope).exclude(status=QuestionStatus.REJECTED)
    if per_cluster is None:
        shown = live.filter(cluster_id__in=list(cluster_ids))
    elif access.question_read_q(scope) == Q():
        # Reads every question: one subquery per shown place (LIMIT 1 OFFSET i) walks the
        # (cluster, created_at, id) index and stops after a few rows, all in one query.
        ordered = live.filter(cluster=OuterRef("pk")).order_by("created_at", "pk").values("pk")
        slots = {f"q{i}": Subquery(ordered[i : i + 1]) for i in range(per_cluster)}
        rows = Cluster.objects.filter(pk__in=list(cluster_ids)).annotate(**slots)
        first = [pk for row in rows.values_list(*slots) for pk in row if pk is not None]
        shown = live.filter(pk__in=first)
    else:
        # Reads some sites' questions: those of the page's clusters are few, number them all.
        numbered = (
            live.filter(cluster_id__in=list(cluster_ids))
            .order_by()
            .annotate(
                row=Window(
                    RowNumber(),
                    partition_by=[F("cluster_id")],
                    order_by=[F("created_at").asc(), F("pk").asc()],
                )
            )
            .filter(row__lte=per_cluster)
            .values_list("pk", flat=True)
        )
        shown = live.filter(pk__in=list(numbered))
    shown = shown.select_related(None).select_related("site")
    for question in shown.order_by("created_at", "pk"):
        assert question.cluster_id is not None
        by_cluster[question.cluster_id].append(question)
    return by_cluster


def beyond_moderation(scope: Scope, cluster_ids: Sequence[int]) -> set[int]:
    """Clusters of the page holding questions the caller may not moderate (asked elsewhere)."""
    if scope.everything:
        return set()
    moderate_q = access.question_moderate_q(scope)
    elsewhere = Question.objects.filter(cluster=OuterRef("pk"))
    if moderate_q is not None:
        elsewhere = elsewhere.exclude(moderate_q)
    # EXISTS stops at the first question asked elsewhere; a big cluster has one near its start.
    beyond = Cluster.objects.filter(pk__in=list(cluster_ids)).filter(Exists(elsewhere))
    return set(beyond.values_list("pk", flat=True))
