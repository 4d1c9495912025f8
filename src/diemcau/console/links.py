"""Site links: make, export, reissue and open them.

Opening a link logs the browser in as the site's own operator account (`diemcau-site-<code>`,
made on first use, with a site-operator grant on that one site), so everything the console does
afterwards — the API calls with their CSRF check, the scope rules — is the ordinary session path
and needs no second kind of authentication.

The session remembers the site and the link version that opened it (SESSION_KEY). Reissuing a
link ends, at once, every session of the site's account (they were all opened with older links)
and SiteLinkSessionMiddleware logs out any request whose version is no longer the site's.
"""

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau import csvsafe
from diemcau.accounts.models import Grant, Role
from diemcau.accounts.revocation import end_sessions
from diemcau.accounts.scopes import Scope
from diemcau.audit.services import record_event
from diemcau.console.models import SiteLink
from diemcau.console.services import console_site
from diemcau.errors import Forbidden, NotFound
from diemcau.sites.models import Site
from diemcau.sites.services import visible_sites
from diemcau.units.models import Unit
from diemcau.units.services import get_unit, units_under_q

SALT = "diemcau.console.site-link"
USER_PREFIX = "diemcau-site-"
PATH = "/console/k/"
BATCH = 2000
SESSION_KEY = "diemcau_site_link"  # [site id, link version] of the link that opened the session
_VERSION_CACHE_S = 300


def lifetime() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "DIEMCAU_SITE_LINK_DAYS", 45)))


def token(code: str, version: int) -> str:
    return signing.Signer(salt=SALT).sign(f"{code}.{version}")


def url(base: str, code: str, version: int) -> str:
    return base.rstrip("/") + PATH + quote(token(code, version), safe=":.") + "/"


@dataclass(frozen=True)
class LinkRow:
    code: str
    name: str
    unit: str
    url: str
    expires_at: dt.datetime
    last_used_at: dt.datetime | None


def _require_organiser(scope: Scope) -> None:
    if not scope.is_organiser:
        raise Forbidden(_("Only organisers hand out site links."))


def _node(scope: Scope, unit_code: str | None) -> Unit | None:
    if not unit_code:
        return None
    unit = get_unit(unit_code)
    if unit is None:
        raise NotFound(_("Unknown unit code “%(code)s”.") % {"code": unit_code})
    return unit


def _sites(scope: Scope, unit_code: str | None) -> list[Site]:
    write_q = scope.site_write_q()
    if write_q is None:
        return []
    qs = visible_sites(scope).filter(write_q)
    unit = _node(scope, unit_code)
    if unit is not None:
        qs = qs.filter(units_under_q(unit, "unit__"))
    return list(qs.select_related("unit").order_by("code"))


@transaction.atomic
def links_for(
    scope: Scope,
    unit_code: str | None,
    base: str,
    *,
    by: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[LinkRow]:
    """The link of every site the organiser may run under the node, made where missing.

    An expired link is renewed with a new version (the old copy is dead anyway); a live one is
    given again unchanged, so exporting twice hands out the same links.
    """
    _require_organiser(scope)
    sites = _sites(scope, unit_code)
    now = timezone.now()
    existing = {
        link.site_id: link for link in SiteLink.objects.filter(site_id__in=[s.pk for s in sites])
    }
    fresh = [
        SiteLink(site=s, expires_at=now + lifetime(), created_by=by)
        for s in sites
        if s.pk not in existing
    ]
    SiteLink.objects.bulk_create(fresh, batch_size=BATCH)
    expired = [link for link in existing.values() if link.expires_at <= now]
    for link in expired:
        link.version += 1
        link.expires_at = now + lifetime()
        link.reissued_at = now
    SiteLink.objects.bulk_update(expired, ["version", "expires_at", "reissued_at"], BATCH)
    if expired:
        _link_changed([link.site_id for link in expired])
    by_site = {link.site_id: link for link in [*existing.values(), *fresh]}
    rows = []
    for i, site in enumerate(sites, 1):
        link = by_site[site.pk]
        rows.append(
            LinkRow(
                site.code,
                site.name,
                site.unit.name,
                url(base, site.code, link.version),
                link.expires_at,
                link.last_used_at,
            )
        )
        if progress and (i % BATCH == 0 or i == len(sites)):
            progress(i, len(sites))
    return rows


@transaction.atomic
def reissue(scope: Scope, code: str, base: str, *, by: Any = None) -> LinkRow:
    """A new link for one site; every copy of the old one stops working at once, and so does
    every browser that opened one (its session ends)."""
    _require_organiser(scope)
    site = console_site(scope, code)  # 404 outside the read scope, as everywhere
    now = timezone.now()
    link, created = SiteLink.objects.select_for_update().get_or_create(
        site=site, defaults={"expires_at": now + lifetime()}
    )
    if not created:
        link.version += 1
        link.expires_at = now + lifetime()
        link.reissued_at = now
        link.save(update_fields=["version", "expires_at", "reissued_at"])
    ended = _link_changed([site.pk])
    record_event(
        "reissue", "site_link", actor=by, unit=site.unit,
        counts={"sessions_ended": ended}, detail=site.code,
    )  # fmt: skip
    return LinkRow(
        site.code, site.name, site.unit.name, url(base, site.code, link.version),
        link.expires_at, link.last_used_at,
    )  # fmt: skip


def _parse(raw: str) -> tuple[str, int] | None:
    try:
        value = signing.Signer(salt=SALT).unsign(raw)
    except signing.BadSignature:
        return None
    code, _sep, version = value.rpartition(".")
    return (code, int(version)) if code and version.isdigit() else None


def _version_key(site_id: int) -> str:
    return f"console:link-version:{site_id}"


def _link_changed(site_ids: list[int]) -> int:
    """The sites' links have new versions: forget the cached ones and end the sessions their
    accounts hold (every one was opened with an older link); returns the sessions ended."""
    keys = [_version_key(pk) for pk in site_ids]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))  # a reader may re-cache meanwhile
    codes = list(Site.objects.filter(pk__in=site_ids).values_list("code", flat=True))
    names = [f"{USER_PREFIX}{code}"[:150] for code in codes]
    users = get_user_model().objects.filter(username__in=names).values_list("pk", flat=True)
    return end_sessions(users)


def current_version(site_id: int, *, fresh: bool = False) -> int:
    """The site's link version (0: no link), from the cache; `fresh` reads the database."""
    key = _version_key(site_id)
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return int(cached)
    version = SiteLink.objects.filter(site_id=site_id).values_list("version", flat=True).first()
    cache.set(key, version or 0, _VERSION_CACHE_S)
    return version or 0


def session_is_current(opened: Any) -> bool:
    """Whether a session opened by [site id, version] may go on: its link was not reissued."""
    try:
        site_id, version = int(opened[0]), int(opened[1])
    except (TypeError, ValueError, IndexError):
        return False
    current = current_version(site_id)
    if version > current:  # this process cached the version before a reissue elsewhere
        current = current_version(site_id, fresh=True)
    return version == current


@transaction.atomic
def open_link(raw: str) -> tuple[Any, Site, int] | None:
    """The site's operator account, the site and the link's version for a valid link; None for
    a forged, old or expired one."""
    parsed = _parse(raw)
    if parsed is None:
        return None
    code, version = parsed
    now = timezone.now()
    link = (
        SiteLink.objects.select_related("site")
        .filter(site__code=code, version=version, expires_at__gt=now)
        .first()
    )
    if link is None:
        return None
    SiteLink.objects.filter(pk=link.pk).update(last_used_at=now, uses=F("uses") + 1)
    return _site_user(link.site), link.site, link.version


def _site_user(site: Site) -> Any:
    model = get_user_model()
    user, created = model.objects.get_or_create(
        username=f"{USER_PREFIX}{site.code}"[:150],
        defaults={"first_name": site.name[:150]},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    grant = Grant.objects.filter(user=user, role=Role.SITE_OPERATOR).first()
    if grant is None:
        grant = Grant.objects.create(user=user, role=Role.SITE_OPERATOR)
    grant.sites.add(site)
    return user


def to_xlsx(rows: list[LinkRow]) -> bytes:
    """One row per site, ready for a mail merge: code, name, unit, link, valid until."""
    buffer = io.BytesIO()
    book = csvsafe.xlsx_workbook(buffer, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet("Đường dẫn điểm cầu")
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    when = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    headers = (
        "Mã điểm cầu", "Tên điểm cầu", "Đơn vị", "Đường dẫn", "Hiệu lực đến", "Lần dùng cuối",
    )  # fmt: skip
    for col, (title, width) in enumerate(zip(headers, (14, 40, 30, 70, 18, 18), strict=True)):
        sheet.write(0, col, title, bold)
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    for i, row in enumerate(rows, 1):
        sheet.write_string(i, 0, row.code)
        sheet.write_string(i, 1, row.name)
        sheet.write_string(i, 2, row.unit)
        sheet.write_string(i, 3, row.url)
        sheet.write_datetime(i, 4, timezone.localtime(row.expires_at), when)
        if row.last_used_at:
            sheet.write_datetime(i, 5, timezone.localtime(row.last_used_at), when)
    book.close()
    return buffer.getvalue()
