"""The list of responsible sectors: read by everyone, edited by central organisers alone.

A sector's code is what answerers' grants name, so it is fixed at creation; deactivating keeps
its past routes and answers.
"""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.questions.models import Sector
from diemcau.textnorm import nfc


def sectors(active_only: bool = True) -> QuerySet[Sector]:
    qs = Sector.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def active_sector(code: str) -> Sector:
    """The sector a route names; an unknown or deactivated code is a field error."""
    sector = Sector.objects.filter(code=code, is_active=True).first()
    if sector is None:
        message = _("Unknown sector “%(code)s”.") % {"code": code}
        raise Invalid(_("Some fields are invalid."), {"sector": message})
    return sector


def _require_central(scope: Scope) -> None:
    if not scope.everything:
        raise Forbidden(_("Only central organisers may edit the sector list."))


def _sector_values(name: str, keywords: str, order: int | None) -> dict[str, Any]:
    clean = nfc(name or "")
    if not clean:
        raise Invalid(_("Some fields are invalid."), {"name": _("This field is required.")})
    values: dict[str, Any] = {"name": clean[:200], "keywords": nfc(keywords or "")}
    if order is not None:
        values["order"] = max(0, order)
    return values


@transaction.atomic
def create_sector(
    scope: Scope, code: str, name: str, keywords: str = "", order: int | None = None
) -> Sector:
    """A new responsible body; its code is what answerers' grants name, so it never changes."""
    _require_central(scope)
    values = _sector_values(name, keywords, order)
    clean_code = (code or "").strip().lower()
    if not clean_code or not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in clean_code):
        message = _("Use lower-case letters without diacritics, digits and hyphens.")
        raise Invalid(_("Some fields are invalid."), {"code": message})
    if Sector.objects.filter(code=clean_code).exists():
        message = _("Sector “%(code)s” already exists.") % {"code": clean_code}
        raise Invalid(_("Some fields are invalid."), {"code": message})
    if "order" not in values:
        last = Sector.objects.order_by("-order").values_list("order", flat=True).first()
        values["order"] = (last or 0) + 1
    return Sector.objects.create(code=clean_code[:64], **values)


def get_sector(scope: Scope, code: str) -> Sector:
    _require_central(scope)
    sector = Sector.objects.filter(code=code).first()
    if sector is None:
        raise NotFound(_("Sector “%(code)s” not found.") % {"code": code})
    return sector


@transaction.atomic
def update_sector(
    scope: Scope, code: str, name: str, keywords: str = "", order: int | None = None
) -> Sector:
    """Rename a sector or refine the keywords that seed routing (the routing model refits)."""
    sector = get_sector(scope, code)
    for field, value in _sector_values(name, keywords, order).items():
        setattr(sector, field, value)
    sector.save()
    return sector


@transaction.atomic
def set_sector_active(scope: Scope, code: str, active: bool) -> Sector:
    """Deactivate (no new routes, gone from proposals) or bring back; past answers stay."""
    sector = get_sector(scope, code)
    sector.is_active = active
    sector.save(update_fields=["is_active"])
    return sector
