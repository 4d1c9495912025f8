"""Who may read, moderate and answer which questions: one function per decision.

Reads follow the asking site (a site operator reads their sites' questions, an organiser those of
sites under their units, a viewer those they may read); a sector answerer reads the questions
routed to their sector; a central organiser reads everything. A read outside the scope is 404,
a write on something readable but not yours is 403 (as for sites).
"""

from typing import Any

from django.db.models import Q, QuerySet

from diemcau.accounts.scopes import Scope, any_of
from diemcau.sites.models import Site
from diemcau.units.services import units_under_q


def question_read_q(scope: Scope, prefix: str = "") -> Q | None:
    """Filter for the questions `scope` may read (prefix: path to a Question); None: none."""
    if scope.everything or scope.reads_everything:
        return Q()
    parts: list[Q] = []
    site_q = scope.site_read_q()
    if site_q is not None:
        parts.append(Q(**{f"{prefix}site__in": Site.objects.filter(site_q).values("pk")}))
    if scope.sectors:
        parts.append(Q(**{f"{prefix}cluster__sector__code__in": sorted(scope.sectors)}))
    return any_of(parts)


def question_moderate_q(scope: Scope, prefix: str = "") -> Q | None:
    """Questions `scope` may route, merge, split or reject: organisers', by their units."""
    if scope.everything:
        return Q()
    parts = [units_under_q(u, f"{prefix}unit__") for u in scope.organiser_units]
    return any_of(parts)


def can_moderate_all(scope: Scope, questions: QuerySet[Any]) -> bool:
    """True when every question of `questions` lies in the moderation scope."""
    if scope.everything:
        return True
    moderate_q = question_moderate_q(scope)
    if moderate_q is None:
        return False
    return not questions.exclude(moderate_q).exists()


def can_answer(scope: Scope, sector_code: str | None) -> bool:
    if scope.everything:
        return True
    return sector_code is not None and sector_code in scope.sectors
