"""The notifications app's entry points for other apps and for its own pages.

`send_direct` is the one call the automatic messages (alerts: reminders, escalations) make: one
text to one site's person, recorded once per idempotency key and sent in the background.
Broadcasts to an audience (templates, preview, send, progress) live in `broadcast`.
"""

import logging
from typing import Any, NotRequired, TypedDict, Unpack

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import scope_for
from diemcau.audit.services import record_event
from diemcau.errors import Forbidden, Invalid
from diemcau.notifications import channels
from diemcau.notifications.models import Channel, Delivery, DeliveryStatus, RecipientRole
from diemcau.notifications.recipients import site_recipient
from diemcau.notifications.sending import opted_out
from diemcau.sites.models import Site

log = logging.getLogger("diemcau.notifications")

DELIVER_JOB = "notifications.deliver"
DEFAULT_SUBJECT = "Thông báo từ Ban tổ chức hội nghị"
# Django Tasks priority of an escalation's job (django-tasks-db takes the highest ready job
# first; every other job has the default, 0).
URGENT = 50


class DirectSend(TypedDict):
    """What `send_direct` takes, by keyword (the alerts' outbox passes it on unchanged)."""

    site: Site
    role: str  # "technician", "contact", "province_organiser"
    channel: str  # "sms", "email"
    text: str
    idempotency_key: str  # at most 160 characters, prefixed by the app: "alerts:outage:<id>:tech"
    reason: str
    user: NotRequired[Any]
    subject: NotRequired[str]
    urgent: NotRequired[bool]  # an escalation: its job runs before any bulk send's


def send_direct(**message: Unpack[DirectSend]) -> Delivery:
    """Record one message to a site's person on a channel, and queue its sending.

    The same `idempotency_key` returns the delivery recorded the first time, unchanged and not
    queued again, whatever its state. A recipient without an address on the channel, or who
    opted out, gives a delivery "skipped" (with the reason in `answer`), recorded all the same.
    With `user`, the site must be within what that user may change (else Forbidden); without
    one, the system sends (automatic messages). Every call that records a delivery is audited.
    An `urgent` message's job is queued at URGENT priority: the worker takes it before a bulk
    send's, and a bulk send running gives way to it (`sending.run`'s `give_way`).
    """
    site, role, channel = message["site"], message["role"], message["channel"]
    text, idempotency_key, reason = message["text"], message["idempotency_key"], message["reason"]
    user, subject = message.get("user"), message.get("subject", "")
    if role not in RecipientRole.values:
        raise Invalid(_("Unknown recipient “%(role)s”.") % {"role": role})
    if channel not in Channel.values:
        raise Invalid(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    if not idempotency_key or len(idempotency_key) > 160:
        raise Invalid(_("An idempotency key of 1 to 160 characters is required."))
    existing = Delivery.objects.filter(key=idempotency_key).first()
    if existing is not None:
        return existing
    if user is not None:
        write_q = scope_for(user).site_write_q()
        if write_q is None or not Site.objects.filter(write_q, pk=site.pk).exists():
            raise Forbidden(_("You may not message this site."))
    name, raw = site_recipient(site, role, channel)
    chan = channels.get(channel)
    address = chan.normalise(raw)
    status, answer = DeliveryStatus.QUEUED, ""
    if not address:
        status, answer = DeliveryStatus.SKIPPED, _("No usable address for this recipient.")
    elif opted_out(channel, address):
        status, answer = DeliveryStatus.SKIPPED, _("The recipient asked not to receive messages.")
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                key=idempotency_key,
                site=site,
                role=role,
                channel=channel,
                name=name[:160],
                address=address,
                subject=(subject or DEFAULT_SUBJECT)[:200] if channel == Channel.EMAIL else "",
                text=chan.prepare(text),
                reason=reason[:200],
                status=status,
                answer=answer,
                created_by=user if getattr(user, "pk", None) else None,
            )
    except IntegrityError:  # the same key recorded at the same moment by someone else
        return Delivery.objects.get(key=idempotency_key)
    record_event(
        "send", "notifications", actor=user, unit=site.unit_id, counts={"recipients": 1},
        detail=f"{channel} → {role} {site.code}: {reason}"[:500],
    )  # fmt: skip
    if status == DeliveryStatus.QUEUED:
        enqueue_deliveries(
            [delivery.pk], owner_id=getattr(user, "pk", None), urgent=message.get("urgent", False)
        )
        delivery.refresh_from_db()
    return delivery


def enqueue_deliveries(ids: list[int], owner_id: int | None = None, *, urgent: bool = False) -> Any:
    """Queue a background task that sends these deliveries (those still queued)."""
    from diemcau.tasks.services import submit

    params: dict[str, Any] = {"ids": ids}
    if urgent:
        params["urgent"] = True
    return submit(DELIVER_JOB, owner_id, params, priority=URGENT if urgent else 0)


def recent_for_site(site: Site, limit: int = 10) -> list[Delivery]:
    """The last messages to a site, newest first (the site and operations pages show them)."""
    return list(Delivery.objects.filter(site=site).order_by("-created_at", "-pk")[:limit])
