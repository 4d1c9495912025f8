"""The routed sector writes a cluster's answer and publishes it.

A draft is for the ministry to revise: the asking sites and the public knowledge base get the
answer once it is published (see `reading.shown_answer`).
"""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid
from diemcau.questions import access
from diemcau.questions.models import Answer, Cluster
from diemcau.questions.services.reading import get_cluster
from diemcau.questions.services.state import sync
from diemcau.textnorm import fold, nfc


def _cluster_to_answer(scope: Scope, pk: int) -> Cluster:
    """The cluster the caller may answer: the right first (403), then its state (422), so that
    a province organiser or a viewer hears "not yours", not "route it first"."""
    cluster = get_cluster(scope, pk)
    if not access.can_answer(scope, cluster.sector.code if cluster.sector else None):
        raise Forbidden(_("Only the sector the question is routed to may answer it."))
    if cluster.sector is None:
        raise Invalid(_("Route the question to a sector before answering it."))
    return cluster


@transaction.atomic
def answer_cluster(
    scope: Scope, user: Any, pk: int, text: str, legal_references: Sequence[str] = ()
) -> Answer:
    """Write or rewrite the answer of a cluster; the asking sites see it once it is published."""
    cluster = _cluster_to_answer(scope, pk)
    clean = nfc(text or "")
    if not clean:
        raise Invalid(_("Some fields are invalid."), {"text": _("This field is required.")})
    answer = Answer.objects.filter(cluster=cluster).first() or Answer(cluster=cluster)
    assert cluster.sector is not None
    answer.sector = cluster.sector
    answer.text = clean
    answer.legal_references = [nfc(r) for r in legal_references if nfc(r)]
    answer.text_folded = fold(" ".join([clean, *answer.legal_references]))
    answer.author = user if getattr(user, "pk", None) else None
    answer.save()
    sync(cluster)
    return answer


@transaction.atomic
def publish_answer(scope: Scope, pk: int) -> Answer:
    """Put the cluster's answer in the public knowledge base and before every asking site."""
    cluster = _cluster_to_answer(scope, pk)
    answer = Answer.objects.filter(cluster=cluster).first()
    if answer is None:
        raise Invalid(_("There is no answer to publish yet."))
    if answer.published_at is None:
        answer.published_at = timezone.now()
        answer.save(update_fields=["published_at"])
    sync(cluster)
    return answer
