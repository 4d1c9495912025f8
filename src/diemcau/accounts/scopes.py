"""The one place that decides what a person may see and change.

Every list, detail, export and write — UI and API alike — asks these functions, in the manner of
Indico's protection checks: a read outside the scope is 404 (the object does not exist for you), a
write outside it is 403. Scopes are unions of grants, resolved once per request.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from diemcau.accounts.models import Grant, Role
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.services import units_under_q

_CACHE_ATTR = "_diemcau_scope"


@dataclass(frozen=True)
class Scope:
    """What one user holds. `everything` is the central organiser's scope."""

    user_id: int | None
    everything: bool = False
    reads_everything: bool = False
    organiser_units: tuple[Unit, ...] = ()
    viewer_units: tuple[Unit, ...] = ()
    operator_site_ids: frozenset[int] = field(default_factory=frozenset)
    sectors: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    # -- sites ---------------------------------------------------------------------------
    def site_read_q(self) -> Q | None:
        """Filter for the sites this user may read; None means none at all."""
        if self.everything or self.reads_everything:
            return Q()
        parts = [units_under_q(u, "unit__") for u in self.organiser_units + self.viewer_units]
        if self.operator_site_ids:
            parts.append(Q(pk__in=self.operator_site_ids))
        return any_of(parts)

    def site_write_q(self) -> Q | None:
        if self.everything:
            return Q()
        parts = [units_under_q(u, "unit__") for u in self.organiser_units]
        if self.operator_site_ids:
            parts.append(Q(pk__in=self.operator_site_ids))
        return any_of(parts)

    def can_create_site_in(self, unit: Unit) -> bool:
        """Only organisers add sites; operators edit the ones they were given."""
        return self.everything or any(_unit_covers(u, unit) for u in self.organiser_units)

    @property
    def is_organiser(self) -> bool:
        return self.everything or bool(self.organiser_units)


def any_of(parts: list[Q]) -> Q | None:
    """OR the filters together; None when there is nothing to allow (not Q(), which allows all)."""
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def _unit_covers(scope_unit: Unit, unit: Unit) -> bool:
    if scope_unit.level == Level.CENTRAL and scope_unit.kind == Kind.ADMINISTRATIVE:
        return True
    if scope_unit.level == Level.PROVINCE and scope_unit.kind == Kind.ADMINISTRATIVE:
        return unit.province_id == scope_unit.pk
    return scope_unit.pk in (unit.pk, unit.parent_id)


ANONYMOUS = Scope(user_id=None)


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once and kept on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _build_scope(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _build_scope(user: Any) -> Scope:
    grants = list(Grant.objects.filter(user=user).select_related("unit"))
    site_ids: set[int] = set()
    operator_grants = [g.pk for g in grants if g.role == Role.SITE_OPERATOR]
    if operator_grants:
        through = Grant.sites.through
        site_ids = set(
            through.objects.filter(grant_id__in=operator_grants).values_list("site_id", flat=True)
        )
    everything = user.is_superuser or any(g.role == Role.CENTRAL_ORGANISER for g in grants)
    return Scope(
        user_id=user.pk,
        everything=everything,
        reads_everything=any(g.role == Role.VIEWER and g.unit is None for g in grants),
        organiser_units=tuple(
            g.unit for g in grants if g.role == Role.PROVINCE_ORGANISER and g.unit is not None
        ),
        viewer_units=tuple(g.unit for g in grants if g.role == Role.VIEWER and g.unit is not None),
        operator_site_ids=frozenset(site_ids),
        sectors=frozenset(g.sector for g in grants if g.role == Role.SECTOR_ANSWERER),
        roles=frozenset(g.role for g in grants)
        | ({Role.CENTRAL_ORGANISER.value} if user.is_superuser else set()),
    )
