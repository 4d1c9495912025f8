"""A site's question arrives: validate it, join a near-identical cluster or start one.

Joining happens without a person only on strong evidence (the engine's AUTO_JOIN, average
linkage with a cluster's first questions); anything weaker is left to a moderator as a suggestion.
"""

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Invalid
from diemcau.programme.models import Session, Topic
from diemcau.questions import engine
from diemcau.questions.models import Cluster, Question, QuestionStatus, Sector
from diemcau.questions.services.state import cluster_status
from diemcau.questions.similarity import SUGGEST_FLOOR
from diemcau.sites.services import get_site_for_write
from diemcau.textnorm import nfc

MAX_TEXT = 4000
# How many of the index's nearest questions the pair scorer re-ranks for a suggestion.
RERANK_DEPTH = 20


def propose(cluster: Cluster, texts: Sequence[str]) -> None:
    """Let the routing model suggest a sector for a new cluster; a moderator confirms it."""
    proposal = engine.sector_model().propose(" ".join(texts))
    if proposal is None:
        return
    cluster.proposed_sector = Sector.objects.filter(code=proposal[0]).first()
    cluster.confidence = round(proposal[1], 4)


def similar(text: str, k: int = 5, exclude: int | None = None) -> list[tuple[Question, float]]:
    """Live questions most like `text`, best first (whoever asked them), each with the pair
    scorer's probability that it is the same question: the index's nearest RERANK_DEPTH
    (cosine ≥ SUGGEST_FLOOR) re-ranked by the scorer (pairs.py)."""
    index = engine.question_index()
    hits = index.nearest(index.vectoriser.vector(text), k=max(k * 3, RERANK_DEPTH), exclude=exclude)
    hits = [(pk, score) for pk, score in hits if score >= SUGGEST_FLOOR]
    found = Question.objects.filter(pk__in=[pk for pk, _s in hits], cluster__isnull=False).exclude(
        status=QuestionStatus.REJECTED
    )
    by_pk = {q.pk: q for q in found}
    ranked = engine.pair_scorer().rerank(
        text, ((pk, by_pk[pk].text) for pk, _s in hits if pk in by_pk)
    )
    return [(by_pk[pk], probability) for pk, probability in ranked][:k]


def _cluster_to_join(text: str) -> tuple[Cluster, float] | None:
    """The cluster `text` resembles strongly enough to join without a person (engine.py)."""
    found = engine.cluster_to_join(text)
    if found is None:
        return None
    cluster = Cluster.objects.select_related("answer").filter(pk=found[0]).first()
    return (cluster, found[1]) if cluster is not None else None


@transaction.atomic
def create_question(
    scope: Scope,
    user: Any,
    *,
    site: str,
    text: str,
    asker_name: str = "",
    topic: int | None = None,
    session: int | None = None,
    client_id: str = "",
) -> Question:
    """Record a site's question; join a cluster when a near-identical one exists, else start one.

    With a `client_id` (the site console's own id for the question) a resend returns the
    question already recorded instead of a second copy.
    """
    the_site = get_site_for_write(scope, site)
    client_id = (client_id or "").strip()[:64]
    if client_id:
        existing = Question.objects.filter(site=the_site, client_id=client_id).first()
        if existing is not None:
            return existing
    clean = nfc(text or "")
    errors: dict[str, str] = {}
    if not clean:
        errors["text"] = _("This field is required.")
    elif len(clean) > MAX_TEXT:
        errors["text"] = _("At most %(n)s characters.") % {"n": MAX_TEXT}
    the_topic = Topic.objects.filter(pk=topic).first() if topic else None
    if topic and the_topic is None:
        errors["topic"] = _("Unknown topic.")
    the_session = Session.objects.filter(pk=session).first() if session else None
    if session and the_session is None:
        errors["session"] = _("Unknown session.")
    if errors:
        raise Invalid(_("Some fields are invalid."), errors)
    if the_session is None and the_topic is not None:
        the_session = the_topic.session
    question = Question(
        text=clean,
        site=the_site,
        unit=the_site.unit,
        topic=the_topic,
        session=the_session,
        asker_name=nfc(asker_name or "")[:200],
        client_id=client_id,
        entered_by=user if getattr(user, "pk", None) else None,
    )
    joined = _cluster_to_join(clean)
    try:
        with transaction.atomic():
            if joined is not None:
                question.cluster, question.similarity = joined[0], round(joined[1], 4)
            else:
                cluster = Cluster()
                propose(cluster, [clean])
                cluster.save()
                question.cluster = cluster
            # The new question takes its cluster's state; the others already have it. (A sync
            # of the whole cluster here rewrote every row of it for each question: at 35,000
            # sites asking six texts, intake fell to ~5 questions/s and kept falling.)
            question.status = cluster_status(question.cluster)
            question.save()
    except IntegrityError:
        # The same resend arriving twice at once (two workers): the other one recorded it.
        existing = (
            Question.objects.filter(site=the_site, client_id=client_id).first()
            if client_id
            else None
        )
        if existing is None:
            raise
        return existing
    question.refresh_from_db()
    return question
