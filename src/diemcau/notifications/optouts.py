"""Opt-outs (an address that asked not to be messaged) and organisers' SMS numbers."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from diemcau.audit.services import record_event
from diemcau.errors import Invalid, NotFound
from diemcau.notifications import channels
from diemcau.notifications.models import Channel, OptOut, OrganiserPhone


def set_opt_out(channel: str, address: str, *, remove: bool = False, user: Any = None) -> str:
    if channel not in Channel.values:
        raise Invalid(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    normal = channels.get(channel).normalise(address)
    if not normal:
        raise Invalid(_("“%(value)s” is not an address on this channel.") % {"value": address})
    if remove:
        OptOut.objects.filter(channel=channel, address=normal).delete()
    else:
        OptOut.objects.get_or_create(
            channel=channel,
            address=normal,
            defaults={"created_by": user if getattr(user, "pk", None) else None},
        )
    record_event(
        "opt_in" if remove else "opt_out", "notifications", actor=user, detail=f"{channel}:{normal}"
    )
    return normal


def set_organiser_phone(username: str, phone: str) -> str:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(_("No user “%(name)s”.") % {"name": username})
    normal = channels.get(Channel.SMS).normalise(phone)
    if not normal:
        raise Invalid(_("“%(value)s” is not a Vietnamese mobile number.") % {"value": phone})
    OrganiserPhone.objects.update_or_create(user=user, defaults={"phone": normal})
    return normal
