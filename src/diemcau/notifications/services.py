"""The notifications app's entry points for other apps and for its own pages.

`send_direct` is the one call the automatic messages (alerts: reminders, escalations) make: one
text to one site's person, recorded once per idempotency key and sent in the background.
Broadcasts to an audience (templates, preview, send, progress) live in `broadcast`.
"""

import logging
from typing import Any

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


def send_direct(
    *,
    site: Site,
    role: str,
    channel: str,
    text: str,
    idempotency_key: str,
    reason: str,
    user: Any = None,
    subject: str = "",
) -> Delivery:
    """Record one message to `site`'s `role` ("technician", "contact", "province_organiser") on
    `channel` ("sms", "email"), and queue its sending.

    The same `idempotency_key` (at most 160 characters; prefix it with your app, e.g.
    "alerts:outage:<id>:tech") returns the delivery recorded the first time, unchanged and not
    queued again, whatever its state. A recipient without an address on the channel, or who
    opted out, gives a delivery "skipped" (with the reason in `answer`), recorded all the same.
    With `user`, the site must be within what that user may change (else Forbidden); without
    one, the system sends (automatic messages). Every call that records a delivery is audited.
    """
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
        enqueue_deliveries([delivery.pk], owner_id=getattr(user, "pk", None))
        delivery.refresh_from_db()
    return delivery


def enqueue_deliveries(ids: list[int], owner_id: int | None = None) -> Any:
    """Queue a background task that sends these deliveries (those still queued)."""
    from diemcau.tasks.services import submit

    return submit(DELIVER_JOB, owner_id, {"ids": ids})


def recent_for_site(site: Site, limit: int = 10) -> list[Delivery]:
    """The last messages to a site, newest first (the site and operations pages show them)."""
    return list(Delivery.objects.filter(site=site).order_by("-created_at", "-pk")[:limit])
