"""Headcounts: how many people a site counted in its room for a session.

A site reports again when people arrive late; each report is kept and the newest becomes
current (the summary's `headcount`), so the history shows how the room filled. The id comes
from the site console: a resend of the same report changes nothing.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.attendance import tallies
from diemcau.attendance.models import Headcount
from diemcau.errors import Invalid, NotFound
from diemcau.programme.models import Session
from diemcau.sites.models import Site
from diemcau.sites.services import get_site, get_site_for_write

MAX_COUNT = 100_000


@dataclass(frozen=True, slots=True)
class HeadcountOut:
    id: uuid.UUID
    session: int
    count: int
    note: str
    reported_at: dt.datetime
    reported_by: str | None
    current: bool
    duplicate: bool = False


def _out(h: Headcount, *, duplicate: bool = False) -> HeadcountOut:
    by = h.reported_by.username if h.reported_by else None
    return HeadcountOut(
        h.pk, h.session_id, h.count, h.note, h.reported_at, by, h.current, duplicate
    )


def _session(session_id: int) -> Session:
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        raise NotFound(_("Session %(id)s not found.") % {"id": session_id})
    return session


def report_headcount(
    scope: Scope,
    site_code: str,
    *,
    id: str,
    session_id: int,
    count: int,
    note: str = "",
    user_id: int | None = None,
) -> HeadcountOut:
    """Record a report and make it current; a resend of the same id returns the first."""
    site = get_site_for_write(scope, site_code)
    try:
        key = uuid.UUID(id)
    except (TypeError, ValueError, AttributeError):
        raise Invalid(_("The report id must be a UUID."), {"id": _("Not a UUID.")}) from None
    if not 0 <= count <= MAX_COUNT:
        raise Invalid(
            _("The count must be between 0 and %(max)s.") % {"max": MAX_COUNT},
            {"count": _("Out of range.")},
        )
    session = _session(session_id)
    with transaction.atomic():
        tally = tallies.lock_tally(site.pk, session.pk)  # one report at a time per site+session
        earlier = Headcount.objects.select_related("reported_by").filter(pk=key).first()
        if earlier is not None:
            if earlier.site_id != site.pk:
                raise Invalid(_("This report id was used for another site."), {"id": ""})
            return _out(earlier, duplicate=True)
        Headcount.objects.filter(site=site, session=session, current=True).update(current=False)
        headcount = Headcount.objects.create(
            id=key,
            site=site,
            session=session,
            count=count,
            note=note[:500],
            reported_at=timezone.now(),
            reported_by_id=user_id,
            current=True,
        )
        tally.headcount = count
        tally.save(update_fields=["headcount"])
    return _out(Headcount.objects.select_related("reported_by").get(pk=headcount.pk))


def headcount_history(
    scope: Scope, site_code: str, session_id: int | None = None
) -> list[HeadcountOut]:
    """The site's reports, newest first (readable by whoever may read the site)."""
    site: Site = get_site(scope, site_code)
    rows = Headcount.objects.select_related("reported_by").filter(site=site)
    if session_id is not None:
        rows = rows.filter(session_id=session_id)
    return [_out(h) for h in rows.order_by("-reported_at", "-pk")]
