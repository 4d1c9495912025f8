"""The public knowledge base: published answers only, searchable with or without diacritics.

It names no asker and no site, so it is open to every visitor, signed in or not.

A search word matches an answer when it is inside the answer's text (with its legal references)
or inside one of the live questions of its cluster, as a substring of the folded text ("con
dau" finds "con dấu", "118/2025" a decree). Rejected questions are not searched: the public
never sees them. The database indexes these texts (see `questions.upkeep`): SQLite's FTS5
trigram table, PostgreSQL's per-cluster search documents; both give the same answers.
"""

from django.db import connection
from django.db.models import Count, Expression, F, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from diemcau.errors import NotFound
from diemcau.questions.models import Answer, Question, QuestionStatus
from diemcau.questions.services.reading import first_text
from diemcau.textnorm import fold

# FTS5's trigram index finds substrings of three characters or more; shorter words are
# matched by LIKE over the same (published-only) table.
TRIGRAM = 3


def _clusters_with(word: str) -> Expression:
    """SQLite: the clusters whose published question or answer contains `word`."""
    if len(word) >= TRIGRAM:
        phrase = '"' + word.replace('"', '""') + '"'
        return RawSQL(
            "SELECT abs(rowid) >> 32 FROM questions_kb_fts WHERE questions_kb_fts MATCH %s",
            [phrase],
        )
    pattern = _like(word)
    return RawSQL(
        "SELECT abs(rowid) >> 32 FROM questions_kb_fts WHERE text_folded LIKE %s ESCAPE '\\'",
        [pattern],
    )


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matching(words: list[str]) -> Q:
    """The answers containing every word, in their text or in their cluster's live questions."""
    if connection.vendor == "postgresql":
        # One search document per cluster with anything published (questions.upkeep), every
        # word in one scan of it: pg_trgm ANDs the words' bitmaps; a subquery per word read
        # the documents once per word and joined them back (twice the plan and the work).
        where = " AND ".join(["text_folded LIKE %s"] * len(words))
        sql = f"SELECT cluster_id FROM questions_kb_doc WHERE {where}"  # noqa: S608 - only %s
        return Q(cluster_id__in=RawSQL(sql, [_like(w) for w in words]))  # noqa: S611 - %s only
    found = Q()
    for word in words:
        if connection.vendor == "sqlite":
            found &= Q(cluster_id__in=_clusters_with(word))
            continue
        asked = Question.objects.filter(status=QuestionStatus.PUBLISHED, text_folded__contains=word)
        found &= Q(text_folded__contains=word) | Q(cluster__in=asked.values("cluster"))
    return found


def knowledge_base(
    q: str | None = None, sector: str | None = None, level: str | None = None
) -> QuerySet[Answer]:
    """Published answers, for every signed-in user: search with or without diacritics."""
    qs = (
        Answer.objects.filter(published_at__isnull=False)
        .select_related("sector", "cluster")
        .annotate(question=first_text("cluster"))
    )
    if sector:
        qs = qs.filter(sector__code=sector)
    if level:
        qs = qs.filter(cluster__in=Question.objects.filter(unit__level=level).values("cluster"))
    words = fold(q or "").split()
    if words:
        qs = qs.filter(_matching(words))
    return qs.order_by("-published_at", "pk")


def public_answers(
    q: str | None = None, sector: str | None = None, level: str | None = None
) -> QuerySet[Answer]:
    """The knowledge base with the number of asking sites (the cluster's tally): nothing
    unpublished, no askers."""
    return (
        knowledge_base(q, sector, level)
        .annotate(n_sites=F("cluster__live_sites"))
        # What the pages show, no more: building 50 answers with every column of their
        # clusters cost more than finding them.
        .select_related(None)
        .select_related("sector")
        .only(
            "cluster_id",
            "text",
            "legal_references",
            "published_at",
            "sector__code",
            "sector__name",
        )
    )


def public_page(
    q: str | None = None,
    sector: str | None = None,
    level: str | None = None,
    *,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Answer], int | None]:
    """One page of `public_answers` and how many there are, in one query.

    The total comes with each row (COUNT(*) OVER ()): the page and a separate count were two
    plans, two executions of the same search and two round trips, which a loaded machine
    stretches more than the work itself (bench_question_pages.py). The published answers are
    a few hundred to a few thousand, so counting them all beside the page costs little. The
    total is None past the end (no row to carry it): the caller counts then.
    """
    counted = public_answers(q, sector, level).annotate(total_rows=Window(Count("*")))
    rows: list[Answer] = list(counted[offset : offset + limit])
    if not rows:  # none on the first page: none at all; past the end: unknown
        return [], (0 if offset == 0 else None)
    total: int = getattr(rows[0], "total_rows")  # noqa: B009 - an annotation mypy cannot see
    return rows, total


def public_answer(cluster_id: int) -> Answer:
    answer = public_answers().filter(cluster_id=cluster_id).first()
    if answer is None:
        raise NotFound(_("Answer %(id)s not found.") % {"id": cluster_id})
    return answer
