"""Annulling check-ins: a mistaken scan stops counting and frees the delegate to check in again.

The row is kept (annulled_at, reason) for the record; the partial unique index covers valid
rows only, so a new check-in of the same delegate and session is accepted afterwards.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from diemcau.accounts.scopes import Scope
from diemcau.attendance import tallies
from diemcau.attendance.models import CheckIn
from diemcau.attendance.signals import checkins_changed
from diemcau.sites.models import Site

ANNULLED = "annulled"
ALREADY_ANNULLED = "already_annulled"
NOT_FOUND = "not_found"
FORBIDDEN = "forbidden"
MAX_IDS = 1000


@dataclass(frozen=True, slots=True)
class AnnulResult:
    id: str
    status: str


def annul(scope: Scope, ids: Sequence[str], reason: str) -> list[AnnulResult]:
    """Annul each id the caller may write at; a check-in outside the read scope is not_found."""
    keys: dict[str, uuid.UUID | None] = {}
    for raw in ids:
        try:
            keys[raw] = uuid.UUID(raw)
        except (TypeError, ValueError, AttributeError):
            keys[raw] = None
    wanted = [k for k in keys.values() if k is not None]
    now = timezone.now()
    outcome: dict[uuid.UUID, str] = {}
    with transaction.atomic():
        rows = list(
            CheckIn.objects.select_for_update()
            .filter(pk__in=wanted)
            .values_list("pk", "site_id", "session_id", "other_site", "annulled_at", "delegate_id")
        )
        site_ids = {row[1] for row in rows}
        readable = _allowed(scope.site_read_q(), site_ids, scope)
        writable = _allowed(scope.site_write_q(), site_ids, scope)
        annul_now = []
        deltas = []
        delegates = {row[0]: row[5] for row in rows}
        for pk, site_id, session_id, other, annulled_at, _delegate in rows:
            if site_id not in readable:
                continue
            if site_id not in writable:
                outcome[pk] = FORBIDDEN
            elif annulled_at is not None:
                outcome[pk] = ALREADY_ANNULLED
            else:
                outcome[pk] = ANNULLED
                annul_now.append(pk)
                deltas.append((site_id, session_id, -1, -int(other)))
        if annul_now:
            CheckIn.objects.filter(pk__in=annul_now).update(
                annulled_at=now, annul_reason=reason[:255]
            )
            tallies.add_checkins(deltas)
            checkins_changed.send(CheckIn, delegate_ids=[delegates[pk] for pk in annul_now])
    return [
        AnnulResult(raw, outcome.get(key, NOT_FOUND) if key else NOT_FOUND)
        for raw, key in keys.items()
    ]


def _allowed(q: Q | None, site_ids: set[int], scope: Scope) -> set[int]:
    if scope.everything:
        return site_ids
    if q is None or not site_ids:
        return set()
    return set(Site.objects.filter(q, pk__in=site_ids).values_list("pk", flat=True))
