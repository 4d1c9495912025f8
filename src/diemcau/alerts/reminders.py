"""Scheduled reminders: a message at a set time before a rehearsal or a session.

An organiser picks the rehearsal or session, when (the evening before at 20:00, or N minutes
before the start), the audience (every site under a unit they organise, or only the sites not
ready) and the text. The periodic tick claims each due reminder once and hands it to a background
job (so an 11,000-site reminder never holds up the escalations' tick); the job hands each site's
message to the notifications app with an idempotency key (reminder, site), which it keeps once,
so a job that died half-way and is run again adds no second message to any site.

A reminder whose event has already ended when its job runs (the worker was down) is marked sent
to nobody rather than sent late.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope, any_of
from diemcau.alerts import outbox
from diemcau.alerts.models import Audience, Channel, Recipient, Reminder, ReminderTarget
from diemcau.alerts.services import now_dt, render
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.operations.models import Rehearsal, RehearsalSiteState
from diemcau.operations.rehearsals import may_schedule
from diemcau.programme.models import Session
from diemcau.sites.models import Site, SiteStatus
from diemcau.tasks.jobs import Progress, job
from diemcau.tasks.models import Task
from diemcau.units.organisations import CENTRAL_CODE
from diemcau.units.services import get_unit, units_under_q

log = logging.getLogger(__name__)

EVENING_HOUR = 20
MAX_TEXT = 480
MAX_BEFORE_MIN = 7 * 24 * 60
REMINDER_RECIPIENTS = (Recipient.CONTACT, Recipient.TECHNICIAN)


# -- reading ----------------------------------------------------------------------------------
def visible_reminders(scope: Scope) -> QuerySet[Reminder]:
    """The centre: all; organisers and viewers: the national ones and those under their units."""
    qs = Reminder.objects.select_related("unit", "rehearsal", "session", "session__day")
    if scope.everything or scope.reads_everything:
        return qs
    units = scope.organiser_units + scope.viewer_units
    if not units:
        return qs.none()
    q = any_of([units_under_q(u, "unit__") for u in units])
    assert q is not None
    return qs.filter(q | Q(unit__code=CENTRAL_CODE))


def get_reminder(scope: Scope, pk: int) -> Reminder:
    reminder = visible_reminders(scope).filter(pk=pk).first()
    if reminder is None:
        raise NotFound(_("Reminder %(id)s not found.") % {"id": pk})
    return reminder


def may_read(scope: Scope) -> bool:
    return (
        scope.everything
        or scope.reads_everything
        or bool(scope.organiser_units or scope.viewer_units)
    )


# -- writing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReminderIn:
    unit: str
    target: str
    target_id: int
    before_min: int | None  # None: the evening before
    audience: str = Audience.ALL
    recipient: str = Recipient.CONTACT
    channel: str = Channel.SMS
    text: str = ""


def event_bounds(reminder: Reminder) -> tuple[dt.datetime, dt.datetime, str]:
    if reminder.rehearsal is not None:
        return reminder.rehearsal.starts_at, reminder.rehearsal.ends_at, reminder.rehearsal.title
    assert reminder.session is not None
    start, end = reminder.session.bounds()
    return start, end, reminder.session.title


def send_time(start: dt.datetime, before_min: int | None) -> dt.datetime:
    if before_min is not None:
        return start - dt.timedelta(minutes=before_min)
    zone = ZoneInfo(settings.TIME_ZONE)
    eve = start.astimezone(zone).date() - dt.timedelta(days=1)
    return dt.datetime.combine(eve, dt.time(EVENING_HOUR), tzinfo=zone)


def default_text() -> str:
    return _(
        "[diemcau] Reminder: {event} at {time}. Site {code} {site}: please open the console "
        "and check the picture and sound beforehand."
    )


def _target(data: ReminderIn) -> tuple[Rehearsal | None, Session | None]:
    if data.target == ReminderTarget.REHEARSAL:
        return Rehearsal.objects.filter(pk=data.target_id).first(), None
    if data.target == ReminderTarget.SESSION:
        return None, Session.objects.select_related("day").filter(pk=data.target_id).first()
    return None, None


def create_reminder(scope: Scope, user: Any, data: ReminderIn) -> Reminder:
    if not may_schedule(scope):
        raise Forbidden(_("Only organisers schedule reminders."))
    errors: dict[str, str] = {}
    unit = get_unit((data.unit or "").strip())
    if unit is not None and not may_schedule(scope, unit):
        raise Forbidden(_("You may not send reminders to “%(unit)s”.") % {"unit": unit})
    if unit is None:
        errors["unit"] = _("Unit “%(code)s” not found.") % {"code": data.unit}
    rehearsal, session = _target(data)
    if rehearsal is None and session is None:
        errors["target_id"] = _("Choose a rehearsal or a session that exists.")
    if data.before_min is not None and not 1 <= data.before_min <= MAX_BEFORE_MIN:
        errors["before_min"] = _("Between %(a)d and %(b)d minutes.") % {
            "a": 1,
            "b": MAX_BEFORE_MIN,
        }
    if data.audience not in Audience.values:
        errors["audience"] = _("Choose all sites or the sites not ready.")
    if data.recipient not in REMINDER_RECIPIENTS:
        errors["recipient"] = _("Choose the site contact or the site technician.")
    if data.channel not in Channel.values:
        errors["channel"] = _("Choose SMS or e-mail.")
    text = (data.text or "").strip() or default_text()
    if len(text) > MAX_TEXT:
        errors["text"] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    assert unit is not None
    reminder = Reminder(
        unit=unit,
        rehearsal=rehearsal,
        session=session,
        before_min=data.before_min,
        audience=data.audience,
        recipient=data.recipient,
        channel=data.channel,
        text=text,
        created_by=user if getattr(user, "pk", None) else None,
    )
    start, _end, _title = event_bounds(reminder)
    reminder.send_at = send_time(start, data.before_min)
    if reminder.send_at <= now_dt():
        message = _("That moment has already passed.")
        raise Invalid(message, {"before_min": message})
    reminder.save()
    return reminder


def switch_reminder(scope: Scope, pk: int, enabled: bool) -> Reminder:
    reminder = get_reminder(scope, pk)
    if not may_schedule(scope, reminder.unit):
        raise Forbidden(_("You may not send reminders to “%(unit)s”.") % {"unit": reminder.unit})
    if reminder.sent_at is not None:
        raise Invalid(_("This reminder has already been sent."))
    reminder.enabled = enabled
    reminder.save(update_fields=["enabled"])
    return reminder


# -- the periodic job ---------------------------------------------------------------------------
def audience_ids(reminder: Reminder) -> list[int]:
    """The sites a reminder goes to: under its unit (and its rehearsal's), not withdrawn."""
    sites = Site.objects.filter(units_under_q(reminder.unit, "unit__")).exclude(
        status=SiteStatus.WITHDRAWN
    )
    if reminder.rehearsal is not None:
        sites = sites.filter(units_under_q(reminder.rehearsal.unit, "unit__"))
    ids = list(sites.order_by("pk").values_list("pk", flat=True))
    if reminder.audience != Audience.NOT_READY:
        return ids
    states = RehearsalSiteState.objects.filter(ready=True)
    if reminder.rehearsal is not None:
        states = states.filter(rehearsal=reminder.rehearsal)
    ready = set(states.values_list("site_id", flat=True))
    return [pk for pk in ids if pk not in ready]


@dataclass
class RemindResult:
    reminders: int = 0  # handed to a background job by this tick
    messages: int = 0  # handed to the notifications app (inline jobs: tests, the CLI)


def send_due(now: dt.datetime | None = None) -> RemindResult:
    """Hand every reminder whose time has come to a background job, each exactly once.

    The tick only claims (an UPDATE that one caller wins: a second tick at the same moment waits
    on the row, then finds it claimed) and queues the job in the same transaction; the job sends.
    A claim older than STALE_CLAIM without `sent_at` belongs to a job that died: it is claimed
    again, and the new job skips the sites already recorded (their idempotency keys).
    """
    from diemcau.tasks.services import submit

    now = now or now_dt()
    result = RemindResult()
    stale = now - STALE_CLAIM
    due = list(
        Reminder.objects.filter(enabled=True, sent_at=None, send_at__lte=now)
        .filter(Q(claimed_at=None) | Q(claimed_at__lt=stale))
        .values_list("pk", "created_by_id")
    )
    for pk, owner in due:
        try:
            with transaction.atomic():
                claimed = (
                    Reminder.objects.filter(pk=pk, sent_at=None)
                    .filter(Q(claimed_at=None) | Q(claimed_at__lt=stale))
                    .update(claimed_at=now)
                )
                if not claimed:
                    continue
                task = submit(REMINDER_JOB, owner, {"reminder": pk})
                Reminder.objects.filter(pk=pk).update(task_id=task.pk)
        except Exception:
            log.exception("reminder %s could not be queued; next tick tries again", pk)
            continue
        result.reminders += 1
        result.messages += int((task.result or {}).get("messages", 0))
    return result


REMINDER_JOB = "alerts.reminder"
STALE_CLAIM = dt.timedelta(minutes=10)
CHUNK = 200


@job(REMINDER_JOB)
def reminder_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Send one reminder: its messages in chunks (a short transaction each), then `sent_at`."""
    pk = task.params["reminder"]
    reminder = Reminder.objects.select_related(
        "unit", "rehearsal", "session", "session__day", "created_by"
    ).get(pk=pk)
    if reminder.sent_at is not None:
        return {"messages": 0, "already": True}
    now = now_dt()
    start, end, title = event_bounds(reminder)
    if now >= end:
        log.warning("reminder %s: its event ended before it could be sent", pk)
        Reminder.objects.filter(pk=pk).update(sent_at=now, sent_count=0)
        return {"messages": 0, "missed": True}
    ids = audience_ids(reminder)
    when = start.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%H:%M %d/%m/%Y")
    done = 0
    progress(0, len(ids))
    with translation.override(settings.LANGUAGE_CODE):
        for chunk_start in range(0, len(ids), CHUNK):
            chunk = ids[chunk_start : chunk_start + CHUNK]
            with transaction.atomic():
                for site in Site.objects.filter(pk__in=chunk).select_related("unit"):
                    values = {
                        "event": title,
                        "session": title,
                        "time": when,
                        "code": site.code,
                        "site": site.name,
                        "unit": site.unit.name if site.unit_id else "",
                        "contact": site.contact_name,
                    }
                    outbox.send(
                        site=site,
                        role=reminder.recipient,
                        channel=reminder.channel,
                        text=render(reminder.text, values),
                        idempotency_key=f"alerts:reminder:{pk}:{site.pk}",
                        reason=_("reminder: %(event)s") % {"event": title},
                    )
            done += len(chunk)
            progress(done, len(ids))
    Reminder.objects.filter(pk=pk).update(sent_at=now_dt(), sent_count=done)
    return {"messages": done}


def targets() -> dict[str, list[tuple[int, str]]]:
    """What a reminder can be set for: rehearsals and sessions not yet over."""
    now = now_dt()
    rehearsals = [
        (r.pk, str(r))
        for r in Rehearsal.objects.filter(ends_at__gt=now).order_by("starts_at")[:100]
    ]
    sessions = [
        (s.pk, str(s))
        for s in Session.objects.select_related("day")
        .filter(day__date__gte=now.date() - dt.timedelta(days=1))
        .order_by("day__date", "starts_at")[:200]
    ]
    return {"rehearsal": rehearsals, "session": sessions}
