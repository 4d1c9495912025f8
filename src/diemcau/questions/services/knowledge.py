"""The public knowledge base: published answers only, searchable with or without diacritics.

It names no asker and no site, so it is open to every visitor, signed in or not.
"""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from diemcau.errors import NotFound
from diemcau.questions.models import Answer, Question, QuestionStatus
from diemcau.questions.services.reading import first_text
from diemcau.textnorm import fold


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
    for word in fold(q or "").split():
        asked = Question.objects.filter(text_folded__contains=word).values("cluster")
        qs = qs.filter(Q(text_folded__contains=word) | Q(cluster__in=asked))
    return qs.order_by("-published_at", "pk")


def _site_count(cluster_ref: str) -> Coalesce:
    """Distinct sites asking a cluster, as a subquery (no GROUP BY over the outer rows)."""
    counted = (
        Question.objects.filter(cluster=OuterRef(cluster_ref))
        .exclude(status=QuestionStatus.REJECTED)
        .order_by()
        .values("cluster")
        .annotate(n=Count("site", distinct=True))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted), 0)


def public_answers(
    q: str | None = None, sector: str | None = None, level: str | None = None
) -> QuerySet[Answer]:
    """The knowledge base with the number of asking sites: nothing unpublished, no askers."""
    return knowledge_base(q, sector, level).annotate(n_sites=_site_count("cluster"))


def public_answer(cluster_id: int) -> Answer:
    answer = public_answers().filter(cluster_id=cluster_id).first()
    if answer is None:
        raise NotFound(_("Answer %(id)s not found.") % {"id": cluster_id})
    return answer
