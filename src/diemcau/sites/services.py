"""Site queries and changes, always through the caller's scope."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.sites import fields as f
from diemcau.sites.models import Site
from diemcau.sites.signals import sites_moved
from diemcau.textnorm import fold
from diemcau.units.models import Unit
from diemcau.units.services import get_unit, units_under_q

EDITABLE = (
    "name",
    "unit",
    "kind",
    "address",
    "seats",
    "host_organisation",
    "contact_name",
    "contact_phone",
    "contact_email",
    "tech_name",
    "tech_phone",
    "tech_email",
    "connection",
    "status",
)
_CLEANERS: dict[str, Callable[[str], Any]] = {
    "code": f.clean_code,
    "name": f.clean_text,
    "kind": f.clean_kind,
    "address": f.clean_text,
    "seats": f.clean_seats,
    "host_organisation": f.clean_text,
    "contact_name": f.clean_text,
    "contact_phone": f.clean_phone,
    "contact_email": f.clean_email,
    "tech_name": f.clean_text,
    "tech_phone": f.clean_phone,
    "tech_email": f.clean_email,
    "connection": f.clean_connection,
    "status": f.clean_status,
}


@dataclass(frozen=True)
class SiteFilters:
    province: str | None = None
    commune: str | None = None
    unit: str | None = None
    kind: str | None = None
    status: str | None = None
    q: str | None = None


def visible_sites(scope: Scope, filters: SiteFilters | None = None) -> QuerySet[Site]:
    """The sites `scope` may read, narrowed by the filters a list page or the API offers."""
    read_q = scope.site_read_q()
    if read_q is None:
        return Site.objects.none()
    qs = Site.objects.filter(read_q).select_related("unit", "province")
    if filters is None:
        return qs
    for code in (filters.province, filters.commune, filters.unit):
        if code:
            unit = get_unit(code)
            if unit is None:
                return qs.none()
            qs = qs.filter(units_under_q(unit, "unit__"))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.q:
        text = filters.q.strip()
        for word in fold(text).split():
            qs = qs.filter(
                Q(name_folded__contains=word)
                | Q(unit__name_folded__contains=word)
                | Q(code__icontains=word)
            )
    return qs


def get_site(scope: Scope, code: str) -> Site:
    """A site the caller may read, or NotFound — also when it exists outside the scope."""
    site = visible_sites(scope).filter(code=code).first()
    if site is None:
        raise NotFound(_("Site “%(code)s” not found.") % {"code": code})
    return site


def get_site_for_write(scope: Scope, code: str) -> Site:
    """A site the caller may change; Forbidden when it exists but lies outside the write scope."""
    write_q = scope.site_write_q()
    site = Site.objects.select_related("unit", "province").filter(code=code).first()
    if site is None:
        raise NotFound(_("Site “%(code)s” not found.") % {"code": code})
    if write_q is None or not Site.objects.filter(write_q, pk=site.pk).exists():
        raise Forbidden(_("You may not change site “%(code)s”.") % {"code": code})
    return site


def sites_by_codes(codes: Iterable[str]) -> tuple[list[Site], list[str]]:
    wanted = [c.strip() for c in codes if c.strip()]
    found = {s.code: s for s in Site.objects.filter(code__in=wanted)}
    return [found[c] for c in wanted if c in found], [c for c in wanted if c not in found]


def clean_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Clean user input field by field; raise Invalid with every field's problem at once."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in data.items():
        if name == "unit":
            unit = get_unit(str(raw)) if raw not in (None, "") else None
            if unit is None:
                errors[name] = _("Unknown unit code “%(code)s”.") % {"code": raw}
            else:
                values[name] = unit
            continue
        cleaner = _CLEANERS.get(name)
        if cleaner is None:
            continue
        if raw is None or str(raw).strip() == "":
            if name in ("code", "name"):
                errors[name] = _("This field is required.")
            else:
                values[name] = None if name == "seats" else ""
            continue
        try:
            values[name] = cleaner(str(raw))
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise Invalid(_("Some fields are invalid."), errors)
    return values


def _check_unit(scope: Scope, unit: Unit) -> None:
    if not scope.can_create_site_in(unit):
        raise Forbidden(_("Unit “%(name)s” is outside your scope.") % {"name": unit.name})


@transaction.atomic
def create_site(scope: Scope, data: Mapping[str, Any]) -> Site:
    missing = [k for k in ("code", "name", "unit") if not data.get(k)]
    if missing:
        raise Invalid(
            _("Some fields are invalid."), dict.fromkeys(missing, _("This field is required."))
        )
    values = clean_values(data)
    _check_unit(scope, values["unit"])
    if Site.objects.filter(code=values["code"]).exists():
        raise Invalid(
            _("Some fields are invalid."),
            {"code": _("Site code “%(code)s” already exists.") % {"code": values["code"]}},
        )
    site = Site(**values)
    site.province_id = province_id_of(values["unit"])
    site.save()
    return site


@transaction.atomic
def update_site(scope: Scope, code: str, data: Mapping[str, Any]) -> Site:
    site = get_site_for_write(scope, code)
    values = clean_values({k: v for k, v in data.items() if k in EDITABLE})
    if "unit" in values and values["unit"].pk != site.unit_id:
        # Moving a site to another unit needs write rights on the destination too.
        _check_unit(scope, values["unit"])
        if not scope.is_organiser:
            raise Forbidden(_("Only organisers may move a site to another unit."))
        site.province_id = province_id_of(values["unit"])
    moved = "unit" in values and values["unit"].pk != site.unit_id
    for name, value in values.items():
        setattr(site, name, value)
    site.save()
    if moved:
        sites_moved.send(sender=Site, site_ids=[site.pk])
    return site


def province_id_of(unit: Unit) -> int | None:
    """Central units and ministries have no province; every other unit knows its own."""
    return unit.province_id
