"""Ranked cluster lists for the moderation and answering pages, cheap at 50,000 questions.

The page is ranked by ids first and only its own rows get titles and question lists: computing
a title for every cluster before sorting is what made the first version slow (bench
`bench_question_pages.py`).
"""

from collections.abc import Sequence

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Window
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


def cluster_page(
    scope: Scope,
    clusters: QuerySet[Cluster],
    offset: int,
    limit: int,
    *,
    per_cluster: int,
    count_with_page: bool = False,
) -> tuple[list[Cluster], int | None, dict[int, list[Question]]]:
    """A page of a ranked list as the moderation and answering pages show it: the clusters,
    the list's length, and each cluster's first `per_cluster` readable live questions.

    Each database round trip is a wait for the database's process and then for ours, which a
    loaded machine lengthens far more than the queries' own work (bench_question_pages.py), so
    the page takes as few as it can: the ranking brings the length with it (COUNT(*) OVER ())
    when `count_with_page`, and the page's rows bring their first questions' ids (a caller
    reading every question). The length is None when not counted (or past the end): the
    caller counts then (`count_clusters`).

    `count_with_page` only for a list ranked straight from the tallies' index
    (`ranks_on_tallies`): there the window reads the index once where a count read it again.
    Where the clusters are found through questions (an organiser's sites, a search),
    PostgreSQL keeps the plan it chose for the LIMIT, a nested loop over every cluster, and the
    window cost five times the separate count (the Hà Nội organiser at 50,000 questions).
    """
    total: int | None = None
    if count_with_page:
        counted = clusters.annotate(total_rows=Window(Count("*")))
        ranked = list(counted.values_list("pk", "total_rows")[offset : offset + limit])
        ids = [pk for pk, _total in ranked]
        total = ranked[0][1] if ranked else (0 if offset == 0 else None)
    else:
        ids = list(clusters.values_list("pk", flat=True)[offset : offset + limit])
    if not ids:
        return [], total, {}
    slots = _first_slots(scope, per_cluster)
    rows = {c.pk: c for c in clusters.order_by().filter(pk__in=ids).annotate(**slots)}
    page = [rows[pk] for pk in ids if pk in rows]
    if not slots:
        return page, total, questions_of(scope, ids, per_cluster)
    first = [getattr(c, name) for c in page for name in slots]
    live = visible_questions(scope).exclude(status=QuestionStatus.REJECTED)
    return page, total, _by_cluster(ids, live.filter(pk__in=[pk for pk in first if pk]))


def _first_slots(scope: Scope, per_cluster: int) -> dict[str, Subquery]:
    """For a caller reading every question: one subquery per shown place (LIMIT 1 OFFSET i),
    each walking the (cluster, created_at, id) index and stopping after a few rows. Nothing
    for other callers (their questions are numbered by a window, `questions_of`)."""
    if access.question_read_q(scope) != Q():
        return {}
    live = visible_questions(scope).exclude(status=QuestionStatus.REJECTED)
    ordered = live.filter(cluster=OuterRef("pk")).order_by("created_at", "pk").values("pk")
    return {f"first_q{i}": Subquery(ordered[i : i + 1]) for i in range(per_cluster)}


def ranks_on_tallies(scope: Scope, filters: QuestionFilters | None = None) -> bool:
    """Whether `moderation_clusters(scope, filters)` reads the clusters alone (their tallies'
    index), not through the questions: the caller reads every question, no search, no session."""
    f = filters or QuestionFilters()
    return access.question_read_q(scope) == Q() and not f.session and not fold(f.q or "").split()


def questions_of(
    scope: Scope, cluster_ids: Sequence[int], per_cluster: int | None = None
) -> dict[int, list[Question]]:
    """The readable live questions of a page of clusters, by cluster, oldest first.

    With `per_cluster`, only the first few of each: a widely asked cluster holds thousands, and
    a window over them all reads every one.
    """
    if not cluster_ids:
        return {}
    live = visible_questions(scope).exclude(status=QuestionStatus.REJECTED)
    if per_cluster is None:
        shown = live.filter(cluster_id__in=list(cluster_ids))
    elif slots := _first_slots(scope, per_cluster):
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
    return _by_cluster(cluster_ids, shown)


def _by_cluster(cluster_ids: Sequence[int], shown: QuerySet[Question]) -> dict[int, list[Question]]:
    by_cluster: dict[int, list[Question]] = {pk: [] for pk in cluster_ids}
    # What the lists show of a question, no more: 100 questions with every column of theirs
    # and of their sites cost more to build than to find.
    shown = (
        shown.select_related(None)
        .select_related("site")
        .only("cluster_id", "text", "created_at", "status", "site__code", "site__name")
    )
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
