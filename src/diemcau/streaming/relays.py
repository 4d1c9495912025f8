"""Registering relays: each serves some provinces (the sites there try it first)."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from diemcau.streaming.models import Relay
from diemcau.units.models import Level, Unit


class RelayError(Exception):
    pass


def save_relay(
    code: str, base_url: str, province_codes: Iterable[str], capacity_mbps: int, enabled: bool
) -> Relay:
    try:
        URLValidator(schemes=["http", "https"])(base_url)
    except ValidationError:
        raise RelayError(_("Invalid relay URL “%(url)s”.") % {"url": base_url}) from None
    codes = [c.strip() for c in province_codes if c.strip()]
    provinces = list(Unit.objects.filter(code__in=codes, level=Level.PROVINCE))
    unknown = sorted(set(codes) - {p.code for p in provinces})
    if unknown:
        raise RelayError(_("Not provinces: %(codes)s.") % {"codes": ", ".join(unknown)})
    with transaction.atomic():
        relay, _created = Relay.objects.update_or_create(
            code=code,
            defaults={"base_url": base_url, "capacity_mbps": capacity_mbps, "enabled": enabled},
        )
        relay.provinces.set(provinces)
    return relay
