"""A message to an audience: compose, preview with a real recipient's values, send in the
background with progress, resume after a stop.

Sending has two steps, both in the background task: the deliveries are written (one per site,
keyed `m<message>:<site>:<role>`, so writing them again adds nothing), then sent (`sending.run`).
A task killed in either step is simply started again (`resume`): the audience is frozen once
written, and only deliveries still queued are sent.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from diemcau import publicurl, vnformat
from diemcau.accounts.scopes import Scope, scope_for
from diemcau.audit.services import record_event
from diemcau.errors import Invalid, NotFound
from diemcau.notifications import audiences, channels, templating
from diemcau.notifications.audiences import Audience
from diemcau.notifications.channels import smstext
from diemcau.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Message,
    OptOut,
    RecipientRole,
    Template,
)
from diemcau.notifications.recipients import site_recipient
from diemcau.sites.models import Site

SEND_JOB = "notifications.send"
CHUNK = 1000
CENTRAL_SENDER = "Ban tổ chức hội nghị"


# -- what may be seen -------------------------------------------------------------------------
def visible_messages(scope: Scope) -> QuerySet[Message]:
    """Central organisers see every message; others the ones they sent."""
    if scope.everything:
        return Message.objects.all()
    if not scope.is_organiser:
        return Message.objects.none()
    return Message.objects.filter(created_by_id=scope.user_id)


def get_message(scope: Scope, pk: int) -> Message:
    message = visible_messages(scope).filter(pk=pk).first()
    if message is None:
        raise NotFound(_("Message %(id)s not found.") % {"id": pk})
    return message


def visible_templates(scope: Scope) -> QuerySet[Template]:
    audiences.require_sender(scope)
    if scope.everything:
        return Template.objects.all()
    units = [u.pk for u in scope.organiser_units]
    return Template.objects.filter(Q(unit__isnull=True) | Q(unit_id__in=units))


def save_template(
    scope: Scope, user: Any, *, name: str, channel: str, subject: str, body: str
) -> Template:
    audiences.require_sender(scope)
    if channel not in Channel.values:
        raise Invalid(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    name = " ".join((name or "").split())[:120]
    if not name:
        raise Invalid(_("Give the template a name."), {"name": _("Required.")})
    text = templating.check(subject, body)
    unit = None if scope.everything else scope.organiser_units[0]
    return Template.objects.create(
        name=name, channel=channel, subject=text.subject, body=text.body, unit=unit,
        created_by=user if getattr(user, "pk", None) else None,
    )  # fmt: skip


# -- values of one recipient ------------------------------------------------------------------
def _session_values(message_session: Any) -> dict[str, str]:
    if message_session is None:
        return {"phien": "", "thoi_gian": ""}
    start, _end = message_session.bounds()
    return {"phien": message_session.title, "thoi_gian": vnformat.datetime(start)}


def site_values(site: Site, name: str, link: str, session: Any) -> dict[str, str]:
    return {
        "diem_cau": site.name,
        "ma_diem_cau": site.code,
        "don_vi": site.unit.name,
        "nguoi_nhan": name,
        "duong_dan": link,
        **_session_values(session),
    }


def _links(scope: Scope, sites: QuerySet[Site], by: Any) -> dict[str, str]:
    """{site code: console link} for the sender's sites (made where missing, as an export does)."""
    from diemcau.console import links

    wanted = set(sites.values_list("code", flat=True))
    rows = links.links_for(scope, None, publicurl.base(), by=by)
    return {r.code: r.url for r in rows if r.code in wanted}


def _preview_link(site: Site) -> str:
    from diemcau.console import links
    from diemcau.console.models import SiteLink

    link = SiteLink.objects.filter(site=site).first()
    if link is None:
        return _("(the site's link is made when the message is sent)")
    return links.url(publicurl.base(), site.code, link.version)


# -- compose and preview ----------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    channel: str
    role: str
    subject: str
    body: str
    audience: Audience
    session_id: int | None = None
    reply_to: str = ""

    @classmethod
    def clean(
        cls,
        *,
        channel: str,
        role: str,
        subject: str,
        body: str,
        audience: Audience,
        session_id: int | None = None,
        reply_to: str = "",
    ) -> "Draft":
        if channel == Channel.ZALO:
            raise Invalid(_("Zalo ZNS is not available yet: send by SMS or e-mail."))
        if channel not in (Channel.EMAIL, Channel.SMS):
            raise Invalid(_("Unknown channel “%(channel)s”.") % {"channel": channel})
        if role not in (RecipientRole.CONTACT, RecipientRole.TECHNICIAN):
            raise Invalid(_("Unknown recipient “%(role)s”.") % {"role": role})
        text = templating.check(subject, body)
        reply = (reply_to or "").strip()
        if reply and not channels.get(Channel.EMAIL).normalise(reply):
            raise Invalid(_("The reply-to address is not an e-mail address."), {"reply_to": ""})
        return cls(channel, role, text.subject, text.body, audience, session_id, reply)


def _session(session_id: int | None) -> Any:
    if not session_id:
        return None
    from diemcau.programme.models import Session

    session = Session.objects.filter(pk=session_id).select_related("day").first()
    if session is None:
        raise Invalid(_("Session %(id)s not found.") % {"id": session_id}, {"session": ""})
    return session


def preview(scope: Scope, draft: Draft, site_code: str | None = None) -> dict[str, Any]:
    """The message as one real recipient will get it, and how many it goes to."""
    sites = audiences.sites(scope, draft.audience)
    total = sites.count()
    if total == 0:
        raise Invalid(_("No site in this audience."), {"kind": ""})
    site = (sites.filter(code=site_code).first() if site_code else None) or sites.order_by(
        "code"
    ).first()
    assert site is not None
    name, raw = site_recipient(site, draft.role, draft.channel)
    chan = channels.get(draft.channel)
    text = templating.Text(draft.subject, draft.body)
    link = _preview_link(site) if text.uses("duong_dan") else ""
    values = site_values(site, name, link, _session(draft.session_id))
    body = chan.prepare(templating.fill(draft.body, values))
    out: dict[str, Any] = {
        "recipients": total,
        "site": site,
        "name": name,
        "address": chan.normalise(raw),
        "subject": templating.fill(draft.subject, values),
        "text": body,
    }
    if draft.channel != Channel.EMAIL:
        size = smstext.size(body)
        out["sms"] = {"encoding": size.encoding, "units": size.units, "parts": size.parts}
    return out


def sender(scope: Scope, user: Any) -> tuple[str, str]:
    """(From, Reply-To) of an organiser's e-mail: the conference's address under their body's
    name, replies to the organiser themself."""
    name = CENTRAL_SENDER
    if not scope.everything and scope.organiser_units:
        name = f"{CENTRAL_SENDER} – {scope.organiser_units[0].name}"
    reply = getattr(user, "email", "") or ""
    return formataddr((name, settings.DEFAULT_FROM_EMAIL)), reply


@transaction.atomic
def send(
    scope: Scope, user: Any, draft: Draft, *, template_id: int | None = None
) -> tuple[Message, Any]:
    """Record the message and start its background send; (message, task)."""
    message = record(scope, user, draft, template_id=template_id)
    return message, start(message)


def record(scope: Scope, user: Any, draft: Draft, *, template_id: int | None = None) -> Message:
    """Record the message (audited), not yet sent."""
    total = audiences.sites(scope, draft.audience).count()
    if total == 0:
        raise Invalid(_("No site in this audience."), {"kind": ""})
    _session(draft.session_id)
    from_email, reply_to = sender(scope, user)
    message = Message.objects.create(
        template_id=template_id,
        channel=draft.channel,
        role=draft.role,
        subject=draft.subject,
        body=draft.body,
        audience=draft.audience.as_dict(),
        session_id=draft.session_id,
        from_email=from_email,
        reply_to=draft.reply_to or reply_to,
        unit=None if scope.everything else scope.organiser_units[0],
        created_by=user if getattr(user, "pk", None) else None,
    )
    record_event(
        "send", "notifications", actor=user, unit=message.unit_id, counts={"recipients": total},
        detail=f"{draft.channel} → {draft.audience.label()}: {draft.subject or draft.body[:80]}",
    )  # fmt: skip
    return message


def start(message: Message) -> Any:
    """Queue (again) the task that writes and sends the message's deliveries."""
    from diemcau.tasks.services import submit

    task = submit(SEND_JOB, message.created_by_id, {"message": message.pk})
    Message.objects.filter(pk=message.pk).update(task_id=task.pk)
    message.task_id = task.pk
    return task


def run_here(message: Message, progress: Callable[[int, int], None]) -> dict[str, int]:
    """Send now, in this process (the command line), as a task row others can see running."""
    from django.utils import timezone

    from diemcau.notifications import sending
    from diemcau.tasks.models import Task, TaskStatus

    task = Task.objects.create(
        kind=SEND_JOB, owner_id=message.created_by_id, params={"message": message.pk},
        status=TaskStatus.RUNNING, started_at=timezone.now(),
    )  # fmt: skip
    Message.objects.filter(pk=message.pk).update(task_id=task.pk)
    try:
        prepare(message)
        result = sending.run(message.deliveries.all(), task.pk, progress)
    except BaseException:
        Task.objects.filter(pk=task.pk).update(status=TaskStatus.FAILED, finished_at=timezone.now())
        raise
    Task.objects.filter(pk=task.pk).update(
        status=TaskStatus.DONE, result={"message": message.pk, "counts": result},
        finished_at=timezone.now(),
    )  # fmt: skip
    return result


def resume(scope: Scope, pk: int) -> Any:
    """Start a stopped send again: what is still queued goes, nothing goes twice."""
    message = get_message(scope, pk)
    return start(message)


def resend(scope: Scope, user: Any, pk: int, *, unknown: bool = False) -> tuple[int, Any]:
    """Queue again the message's failed deliveries (and its "unknown" ones only when asked:
    those may have arrived) and start the task that sends them; (how many, the task)."""
    with transaction.atomic():
        message, count = requeue(scope, user, pk, unknown=unknown)
        return count, start(message)


def requeue(scope: Scope, user: Any, pk: int, *, unknown: bool = False) -> tuple[Message, int]:
    """Put the failed (and, with `unknown`, the unknown) deliveries back to "queued" for a new
    attempt, their tries counted afresh; (the message, how many). Audited.

    One UPDATE on the rows still in those states: two organisers pressing at once re-queue each
    row once, and the claim before each hand-over keeps every attempt at most once. A row keeps
    its key, so the resent e-mail has the same Message-ID and the SMS the same reference: a
    gateway that took an "unknown" one the first time may drop the copy.
    """
    message = get_message(scope, pk)
    audiences.require_sender(scope)
    states = [DeliveryStatus.FAILED] + ([DeliveryStatus.UNKNOWN] if unknown else [])
    count = message.deliveries.filter(status__in=states).update(
        status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=None, claimed_by=None,
        claimed_at=None,
    )  # fmt: skip
    if not count:
        raise Invalid(_("No failed delivery to send again."))
    record_event(
        "send", "notifications", actor=user, unit=message.unit_id, counts={"resent": count},
        detail=f"resend {'failed+unknown' if unknown else 'failed'} of message {message.pk}",
    )  # fmt: skip
    return message, count


# -- the background work ----------------------------------------------------------------------
def _sender_scope(message: Message) -> Scope:
    if message.created_by_id is None:
        return Scope(user_id=0, everything=True)  # the command line, as the server's operator
    return scope_for(message.created_by)


def _chunks(sites: QuerySet[Site]) -> Iterator[list[Site]]:
    ids = list(sites.order_by("pk").values_list("pk", flat=True))
    for start_at in range(0, len(ids), CHUNK):
        yield list(
            Site.objects.filter(pk__in=ids[start_at : start_at + CHUNK])
            .select_related("unit")
            .order_by("pk")
        )


def prepare(message: Message, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the message's deliveries (once): one per site of its audience."""
    if message.prepared:
        return message.deliveries.count()
    scope = _sender_scope(message)
    audience = Audience.from_dict(message.audience)
    sites = audiences.sites(scope, audience)
    chan = channels.get(message.channel)
    text = templating.Text(message.subject, message.body)
    links = _links(scope, sites, message.created_by) if text.uses("duong_dan") else {}
    session = _session(message.session_id)
    opted = set(OptOut.objects.filter(channel=message.channel).values_list("address", flat=True))
    written = 0
    total = sites.count()
    for chunk in _chunks(sites):
        rows = []
        for site in chunk:
            name, raw = site_recipient(site, message.role, message.channel)
            address = chan.normalise(raw)
            values = site_values(site, name, links.get(site.code, ""), session)
            status, answer = DeliveryStatus.QUEUED, ""
            if not address:
                status, answer = DeliveryStatus.SKIPPED, _("No usable address for this recipient.")
            elif address in opted:
                status = DeliveryStatus.SKIPPED
                answer = _("The recipient asked not to receive messages.")
            rows.append(
                Delivery(
                    key=f"m{message.pk}:{site.pk}:{message.role}",
                    message=message,
                    site=site,
                    role=message.role,
                    channel=message.channel,
                    name=name[:160],
                    address=address,
                    subject=templating.fill(message.subject, values)[:200],
                    text=chan.prepare(templating.fill(message.body, values)),
                    reason=_("message %(id)s") % {"id": message.pk},
                    status=status,
                    answer=answer,
                    created_by_id=message.created_by_id,
                )
            )
        Delivery.objects.bulk_create(rows, batch_size=CHUNK, ignore_conflicts=True)
        written += len(rows)
        if progress:
            progress(written, total)
    Message.objects.filter(pk=message.pk).update(prepared=True)
    message.prepared = True
    return written


def progress_counts(message: Message) -> dict[str, Any]:
    from diemcau.notifications.sending import counts

    by_status = counts(message.deliveries.all())
    total = sum(by_status.values())
    finished = total - by_status[DeliveryStatus.QUEUED] - by_status[DeliveryStatus.SENDING]
    return {
        "total": total,
        "finished": finished,
        "percent": int(100 * finished / total) if total else 0,
        **by_status,
    }
