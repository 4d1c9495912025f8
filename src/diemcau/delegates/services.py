"""Delegate queries and changes, always through the caller's scope.

Reads follow the sites the caller may read, writes the sites the caller may change (both decided
by `Scope`): a site operator manages their own sites' delegates, a province organiser their
province's. A delegate outside the read scope does not exist for the caller (NotFound).

The CCCD is shown only as "********1234" and only to central organisers; everyone else sees it
fully masked. Central organisers may also find a delegate by the full number (hash match).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.delegates.cleaning import LIMITS, clean_email, clean_phone, clean_text
from diemcau.delegates.codes import code_for, normalise
from diemcau.delegates.models import Delegate
from diemcau.delegates.pii import NationalIdError, clean_national_id, mask, national_id_hash
from diemcau.delegates.signals import delegates_changed
from diemcau.delegates.writing import random_secrets
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.sites.models import Site
from diemcau.sites.services import get_site_for_write
from diemcau.textnorm import nfc
from diemcau.units.services import get_unit

FULLY_MASKED = "************"
EDITABLE = ("full_name", "position", "workplace", "group", "phone", "email", "national_id")


@dataclass(frozen=True)
class DelegateFilters:
    site: str | None = None
    province: str | None = None
    q: str | None = None
    national_id: str | None = None


def _scoped(sites_q: Q | None) -> QuerySet[Delegate]:
    if sites_q is None:
        return Delegate.objects.none()
    qs = Delegate.objects.select_related("site")
    if not sites_q:  # Q() is empty: every site
        return qs
    # The scope is decided on sites (one function, Scope); the denormalised `province` serves the
    # province filter and roll-ups, but the scope follows the site's current unit.
    return qs.filter(site__in=Site.objects.filter(sites_q).values("pk"))


def visible_delegates(scope: Scope, filters: DelegateFilters | None = None) -> QuerySet[Delegate]:
    """The delegates `scope` may read, narrowed by the list filters."""
    qs = _scoped(scope.site_read_q())
    if filters is None:
        return qs
    if filters.site:
        qs = qs.filter(site__code=filters.site.strip())
    if filters.province:
        unit = get_unit(filters.province.strip())
        if unit is None:
            return qs.none()
        qs = qs.filter(province_id=unit.pk)
    if filters.national_id:
        if not scope.everything:
            raise Forbidden(_("Only central organisers may look delegates up by national ID."))
        try:
            digits = clean_national_id(filters.national_id)
        except NationalIdError:
            return qs.none()
        qs = qs.filter(national_id_hash=national_id_hash(digits))
    if filters.q:
        for word in nfc(filters.q).split():
            qs = qs.filter(
                Q(full_name__icontains=word)
                | Q(code=normalise(word) or word)
                | Q(workplace__icontains=word)
            )
    return qs


def get_delegate(scope: Scope, code: str) -> Delegate:
    """A delegate the caller may read, or NotFound — also when it exists outside the scope."""
    canonical = normalise(code)
    delegate = visible_delegates(scope).filter(code=canonical).first() if canonical else None
    if delegate is None:
        raise NotFound(_("Delegate “%(code)s” not found.") % {"code": code})
    return delegate


def get_delegate_for_write(scope: Scope, code: str) -> Delegate:
    delegate = get_delegate(scope, code)
    write_q = scope.site_write_q()
    if write_q is None or not Site.objects.filter(write_q, pk=delegate.site.pk).exists():
        raise Forbidden(_("You may not change delegate “%(code)s”.") % {"code": code})
    return delegate


def national_id_display(scope: Scope, delegate: Delegate) -> str:
    """What the caller may see of the CCCD: last four digits for central organisers only."""
    if scope.everything:
        return mask(delegate.national_id_last4)
    return FULLY_MASKED


def clean_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Clean input field by field; raise Invalid with every field's problem at once."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in EDITABLE:
        if name not in data:
            continue
        raw = "" if data[name] is None else str(data[name]).strip()
        try:
            if name in ("full_name", "national_id") and not raw:
                raise ValueError(_("This field is required."))
            if name == "national_id":
                digits = clean_national_id(raw)
                values["national_id_hash"] = national_id_hash(digits)
                values["national_id_last4"] = digits[-4:]
            elif name == "phone":
                values[name] = clean_phone(raw) if raw else ""
            elif name == "email":
                values[name] = clean_email(raw) if raw else ""
            else:
                value = clean_text(raw)
                if len(value) > LIMITS[name]:
                    raise ValueError(_("At most %(limit)d characters.") % {"limit": LIMITS[name]})
                values[name] = value
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise Invalid(_("Some fields are invalid."), errors)
    return values


def _check_unique(values: Mapping[str, Any], exclude: int | None = None) -> None:
    digest = values.get("national_id_hash")
    if digest is None:
        return
    clashes = Delegate.objects.filter(national_id_hash=digest)
    if exclude is not None:
        clashes = clashes.exclude(pk=exclude)
    if clashes.exists():
        raise Invalid(
            _("Some fields are invalid."),
            {"national_id": _("This national ID is already registered.")},
        )


@transaction.atomic
def create_delegate(scope: Scope, site_code: str, data: Mapping[str, Any]) -> Delegate:
    """Register one delegate at a site the caller may change."""
    site = get_site_for_write(scope, site_code)
    missing = [k for k in ("full_name", "national_id") if not data.get(k)]
    if missing:
        raise Invalid(
            _("Some fields are invalid."), dict.fromkeys(missing, _("This field is required."))
        )
    values = clean_values(data)
    _check_unique(values)
    delegate = Delegate(site=site, province_id=site.province_id, **values)
    delegate.code = "~" + random_secrets(1)[0][:15]  # unique placeholder until the id is known
    delegate.secret = random_secrets(1)[0]
    delegate.save()
    delegate.code = code_for(delegate.pk)
    delegate.save(update_fields=["code"])
    delegates_changed.send(Delegate, site_ids=[site.pk])  # counters in this transaction
    return delegate


@transaction.atomic
def update_delegate(scope: Scope, code: str, data: Mapping[str, Any]) -> Delegate:
    """Change a delegate's details; moving to another site needs write rights on both."""
    delegate = get_delegate_for_write(scope, code)
    values = clean_values(data)
    _check_unique(values, exclude=delegate.pk)
    site_code = data.get("site")
    moved: list[int] = []
    if site_code and site_code != delegate.site.code:
        site = get_site_for_write(scope, str(site_code))
        moved = [delegate.site_id, site.pk]
        delegate.site = site
        delegate.province_id = site.province_id
    for name, value in values.items():
        setattr(delegate, name, value)
    delegate.updated_at = timezone.now()
    delegate.save()
    if moved:  # both sites' counts change, in this transaction
        delegates_changed.send(Delegate, site_ids=moved)
    return delegate


def follow_site_moves(sender: object, site_ids: list[int], **kwargs: object) -> None:
    """Keep each delegate's stored province equal to its site's after sites change unit."""
    from diemcau.sites.models import Site

    for site_id, province_id in Site.objects.filter(pk__in=site_ids).values_list(
        "pk", "province_id"
    ):
        Delegate.objects.filter(site_id=site_id).exclude(province_id=province_id).update(
            province_id=province_id
        )


# -- list pages, badges and the site console's roster ----------------------------------------
COUNT_CAP = 10_000  # a list says "more than 10,000" rather than count 1.5 million rows


@dataclass(frozen=True)
class ListPage:
    """One page of a delegate list; `total` is exact unless `total_capped` (then COUNT_CAP)."""

    items: list[Delegate]
    number: int
    per_page: int
    total: int
    total_capped: bool
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end(self) -> int:
        return self.start + len(self.items) - 1 if self.items else 0


def search_delegates(scope: Scope, filters: DelegateFilters) -> QuerySet[Delegate]:
    """`visible_delegates`, but a query that is one valid delegate code (check character and
    all) is looked up on the code index alone: matched against every name and workplace too, it
    scans 1.5 million rows (4 s on SQLite) to find one person.
    """
    words = (filters.q or "").split()
    canonical = normalise(words[0]) if len(words) == 1 else None
    if canonical is None:
        return visible_delegates(scope, filters)
    return visible_delegates(scope, replace(filters, q=None)).filter(code=canonical)


def list_page(qs: QuerySet[Delegate], number: int, per_page: int) -> ListPage:
    """A page in (site, id) order — the order of both site indexes, so no sort over the scope.

    The count stops at COUNT_CAP (a LIMITed subquery), so a central organiser's unfiltered list
    costs one short index scan, not a COUNT over 1.5 million rows; one row past the page tells
    whether there is a next one.
    """
    counted = qs.order_by()[: COUNT_CAP + 1].count()
    capped = counted > COUNT_CAP
    if not capped:
        number = min(number, max(1, -(-counted // per_page)))
    number = max(1, number)
    offset = (number - 1) * per_page
    rows = list(qs.order_by("site_id", "id")[offset : offset + per_page + 1])
    return ListPage(
        items=rows[:per_page],
        number=number,
        per_page=per_page,
        total=min(counted, COUNT_CAP),
        total_capped=capped,
        has_next=len(rows) > per_page,
    )


def can_write(scope: Scope, delegate: Delegate) -> bool:
    write_q = scope.site_write_q()
    return write_q is not None and Site.objects.filter(write_q, pk=delegate.site_id).exists()


@transaction.atomic
def revoke_badge(scope: Scope, code: str) -> Delegate:
    """Give the delegate a new secret: every badge printed before no longer verifies."""
    delegate = get_delegate_for_write(scope, code)
    delegate.secret = random_secrets(1)[0]
    delegate.updated_at = timezone.now()
    delegate.save(update_fields=["secret", "updated_at"])
    return delegate


@dataclass(frozen=True)
class BadgeRow:
    code: str
    full_name: str
    position: str
    workplace: str
    secret: str


def badge_site(scope: Scope, site_code: str) -> Site:
    """A site whose badges the caller may print: a write right, since a badge admits its holder.

    A site outside the read scope does not exist for the caller (404); a readable one they may
    not change is Forbidden (403).
    """
    from diemcau.sites.services import get_site

    get_site(scope, site_code)
    return get_site_for_write(scope, site_code)


def badge_rows(scope: Scope, site_code: str) -> tuple[Site, list[BadgeRow]]:
    """The site's delegates in registration order, as tuples (no model instances)."""
    site = badge_site(scope, site_code)
    rows = Delegate.objects.filter(site_id=site.pk).order_by("id")
    fields = ("code", "full_name", "position", "workplace", "secret")
    return site, [BadgeRow(*values) for values in rows.values_list(*fields)]


def conference_name() -> str:
    """The name printed on badges: the next (or latest) conference, else a plain "Hội nghị"."""
    from diemcau.programme.models import Conference

    today = timezone.localdate()
    upcoming = Conference.objects.filter(ends_on__gte=today).order_by("starts_on", "pk").first()
    chosen = upcoming or Conference.objects.order_by("-starts_on", "pk").first()
    return chosen.name if chosen is not None else _("Conference")


def roster(scope: Scope, site_code: str) -> dict[str, Any]:
    """What the offline site console downloads: its delegates and one badge digest each.

    Tuples straight from the database (no model instances): 5,000 delegates in ~30 ms, most of
    it the two hashes per delegate. The read scope suffices: the digests let a console recognise
    badges, not make them (that needs the badge key, which never leaves the server).
    """
    from diemcau.delegates.badge_token import badge_digest
    from diemcau.sites.services import get_site

    site = get_site(scope, site_code)
    rows = Delegate.objects.filter(site_id=site.pk).order_by("id")
    items = [
        {
            "code": code,
            "full_name": full_name,
            "position": position,
            "badge_digest": badge_digest(code, secret),
        }
        for code, full_name, position, secret in rows.values_list(
            "code", "full_name", "position", "secret"
        )
    ]
    return {"site": site.code, "count": len(items), "items": items}
