"""Two-factor sign-in (django-otp): who must use it, enrolment, codes, recovery codes, reset.

A person of a role in DIEMCAU_2FA_ROLES proves a second factor once per session: a 6-digit code
from an authenticator app (TOTP device) or one of ten single-use recovery codes (static device).
django-otp keeps the verified device in the session and throttles wrong codes per device.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from diemcau.accounts.models import Grant, Role
from diemcau.accounts.scopes import Scope, scope_for

RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
_SIX_DIGITS = re.compile(r"^\d{6}$")


def required_roles() -> frozenset[str]:
    return frozenset(getattr(settings, "DIEMCAU_2FA_ROLES", ()))


def requires_2fa(user: Any) -> bool:
    """Whether this person must pass a second factor (any grant of a role in the setting).

    A superuser holds the central organiser's scope, so counts as one.
    """
    roles = required_roles()
    if not roles or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False) and Role.CENTRAL_ORGANISER in roles:
        return True
    return bool(scope_for(user).roles & roles)


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def start_enrolment(user: Any) -> TOTPDevice:
    """The unconfirmed authenticator device to show as a QR code (one per person, reused)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG (no script, no image request)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, border=2))


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32 groups of four, for apps where the camera cannot be used."""
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


@transaction.atomic
def confirm_enrolment(user: Any, device: TOTPDevice, code: str) -> list[str] | None:
    """Check the first code from the app; on success the device counts and recovery codes are made.

    Returns the ten recovery codes (shown once, never stored in clear elsewhere) or None.
    """
    code = _clean(code)
    if device.user_id != user.pk or device.confirmed or not _SIX_DIGITS.match(code):
        return None
    if not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One authenticator per person: an older one (before a reset-less re-enrolment) goes.
    TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    return new_recovery_codes(user)


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the person's recovery codes by ten fresh single-use ones."""
    StaticDevice.objects.filter(user_id=user.pk).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


@dataclass(frozen=True)
class CodeCheck:
    device: Device | None
    retry_at: datetime | None = None  # set when wrong codes were tried too fast


def check_code(user: Any, code: str) -> CodeCheck:
    """A 6-digit code goes to the authenticator, anything else to the recovery codes.

    Routing by shape keeps a mistyped recovery code from slowing the authenticator (django-otp
    throttles each device after a wrong code: 1 s, 2 s, 4 s …).
    """
    code = _clean(code)
    devices: list[Device]
    if _SIX_DIGITS.match(code):
        devices = list(TOTPDevice.objects.filter(user_id=user.pk, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user_id=user.pk, confirmed=True))
    retry_at = None
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed:
            retry_at = (data or {}).get("locked_until")
            continue
        if code and device.verify_token(code):
            return CodeCheck(device)
    return CodeCheck(None, retry_at)


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def reset_devices(user: Any) -> int:
    """Remove every second-factor device; the person enrols again at the next page they open.

    A session verified with a removed device stops counting as verified at once (django-otp
    looks the device up on each request).
    """
    removed = TOTPDevice.objects.filter(user_id=user.pk).delete()[0]
    removed += StaticDevice.objects.filter(user_id=user.pk).delete()[0]
    return removed


# -- who may unlock or reset whom ----------------------------------------------------------
def manages(actor: Scope, target: Any) -> bool:
    """Central organisers manage everyone; a province organiser only people whose every grant
    lies inside one of their provinces (a person with no grant, a national viewer, a sector
    answerer or a central organiser is nobody's but the centre's)."""
    if actor.everything:
        return True
    provinces = {u.pk for u in actor.organiser_units}
    if not provinces or getattr(target, "is_superuser", False):
        return False
    grants = list(Grant.objects.filter(user_id=target.pk).select_related("unit"))
    return bool(grants) and all(_grant_inside(g, provinces) for g in grants)


def _grant_inside(grant: Grant, provinces: set[int]) -> bool:
    if grant.role in (Role.PROVINCE_ORGANISER, Role.VIEWER):
        unit = grant.unit
        return unit is not None and (unit.pk in provinces or unit.province_id in provinces)
    if grant.role == Role.SITE_OPERATOR:
        site_provinces = set(grant.sites.values_list("province_id", flat=True))
        return bool(site_provinces) and site_provinces <= provinces
    return False
