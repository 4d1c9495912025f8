"""Opt-outs (an address that asked not to be messaged) and organisers' SMS numbers.

An opt-out belongs to an address, not to a site; on the web an organiser sees and changes the
opt-outs of the addresses their own sites hold (contact and technician, e-mail and phone), so a
province organiser cannot silence another province's technician. Central organisers (and the
command line) reach every address.
"""

from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.audit.services import record_event
from diemcau.errors import Invalid, NotFound
from diemcau.notifications import audiences, channels
from diemcau.notifications.models import Channel, OptOut, OrganiserPhone
from diemcau.sites.models import Site

SITE_ADDRESSES = {  # a channel: the site fields that hold its addresses
    Channel.EMAIL: ("contact_email", "tech_email"),
    Channel.SMS: ("contact_phone", "tech_phone"),
    Channel.ZALO: ("contact_phone", "tech_phone"),
}


def site_addresses(scope: Scope) -> dict[tuple[str, str], list[str]]:
    """(channel, normalised address) → codes of the sender's sites that hold it. One pass over
    the sites they may message (a province: a few hundred; everything: 11,000 in well under
    a second)."""
    audiences.require_sender(scope)
    write_q = scope.site_write_q()
    if write_q is None:
        return {}
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    fields = sorted({f for names in SITE_ADDRESSES.values() for f in names})
    for row in Site.objects.filter(write_q).order_by("code").values("code", *fields):
        for channel, names in SITE_ADDRESSES.items():
            chan = channels.get(channel)
            for name in names:
                if row[name] and (address := chan.normalise(row[name])):
                    codes = found[(channel, address)]
                    if row["code"] not in codes:
                        codes.append(row["code"])
    return found


def visible_opt_outs(scope: Scope, addresses: dict[tuple[str, str], list[str]]) -> QuerySet[OptOut]:
    """The opt-outs the sender may see and change: all for central, else their sites'."""
    audiences.require_sender(scope)
    qs = OptOut.objects.select_related("created_by").order_by("-created_at", "-pk")
    if scope.everything:
        return qs
    by_channel: dict[str, set[str]] = defaultdict(set)
    for channel, address in addresses:
        by_channel[channel].add(address)
    q = Q(pk__in=[])
    for channel, values in by_channel.items():
        q |= Q(channel=channel, address__in=values)
    return qs.filter(q)


def change_opt_out(
    scope: Scope, user: Any, channel: str, address: str, *, remove: bool = False, note: str = ""
) -> str:
    """Add (or remove) an opt-out from the web, within the sender's sites; the stored address."""
    addresses = site_addresses(scope)
    if channel not in Channel.values:
        raise Invalid(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    normal = channels.get(channel).normalise(address)
    if not scope.everything and (channel, normal) not in addresses:
        raise Invalid(
            _("“%(value)s” is not the address of a site you organise.") % {"value": address}
        )
    return set_opt_out(channel, address, remove=remove, user=user, note=note)


def set_opt_out(
    channel: str, address: str, *, remove: bool = False, user: Any = None, note: str = ""
) -> str:
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
            defaults={
                "created_by": user if getattr(user, "pk", None) else None,
                "note": " ".join(note.split())[:200],
            },
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
