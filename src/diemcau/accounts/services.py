"""People, their grants and their API tokens."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.models import ApiToken, Grant, Role
from diemcau.units.models import Kind, Level
from diemcau.units.services import get_unit

TOKEN_PREFIX = "dc_"  # noqa: S105 - a public marker that tells tokens apart, not a secret


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str | None
    created: bool


def _resolve_scope(role: str, scope: str | None) -> dict[str, object]:
    """Check that the scope fits the role and turn it into grant fields."""
    if role not in Role.values:
        raise AccountError(
            _("Unknown role “%(role)s”. Roles: %(roles)s")
            % {"role": role, "roles": ", ".join(Role.values)}
        )
    if role == Role.CENTRAL_ORGANISER:
        return {}
    if role == Role.SECTOR_ANSWERER:
        if not scope:
            raise AccountError(_("A sector answerer needs --scope SECTOR."))
        return {"sector": scope.strip()}
    if role == Role.SITE_OPERATOR:
        from diemcau.sites.services import sites_by_codes  # sites build on accounts, not back

        codes = [c for c in (scope or "").split(",") if c.strip()]
        if not codes:
            raise AccountError(_("A site operator needs --scope SITE_CODE[,SITE_CODE…]."))
        sites, missing = sites_by_codes(codes)
        if missing:
            raise AccountError(_("Unknown site code(s): %(codes)s") % {"codes": ", ".join(missing)})
        return {"sites": sites}
    if not scope:
        if role == Role.VIEWER:
            return {}
        raise AccountError(_("A province organiser needs --scope PROVINCE_CODE."))
    unit = get_unit(scope)
    if unit is None:
        raise AccountError(_("Unknown unit code “%(code)s”.") % {"code": scope})
    if role == Role.PROVINCE_ORGANISER and (
        unit.level != Level.PROVINCE or unit.kind != Kind.ADMINISTRATIVE
    ):
        raise AccountError(
            _("A province organiser's scope must be a province, not “%(name)s”.")
            % {"name": unit.name}
        )
    return {"unit": unit}


@transaction.atomic
def add_user(
    username: str,
    role: str,
    scope: str | None = None,
    *,
    password: str | None = None,
    email: str = "",
    full_name: str = "",
    demo: bool = False,
) -> NewUser:
    """Create the user if needed and grant the role; returns a generated password for new users.

    A password given here must pass the configured validators (AUTH_PASSWORD_VALIDATORS), as on
    every other path. Only the demo loader (`demo=True`) skips them: its password is published
    anyway (and too like the user name "diemcau" to pass); such accounts are marked instead, and
    in production mode they cannot sign in until the password is changed.
    """
    fields = _resolve_scope(role, scope)
    model = get_user_model()
    user, created = model.objects.get_or_create(username=username, defaults={"email": email})
    generated = None
    if created or password:
        generated = password or secrets.token_urlsafe(9)
        if full_name:
            user.first_name = full_name
        if password and not demo:
            check_password_strength(password, user)
        user.set_password(generated)
        user.save()
        if demo and created:
            from diemcau.accounts.signin import mark_demo

            mark_demo(user)
    sites = fields.pop("sites", None)
    grant = Grant.objects.create(user=user, role=role, **fields)
    if isinstance(sites, list) and sites:
        grant.sites.set(sites)
    if role == Role.CENTRAL_ORGANISER and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return NewUser(username=username, password=generated, created=created)


def check_password_strength(password: str, user: Any = None) -> None:
    """Apply AUTH_PASSWORD_VALIDATORS; AccountError with every reason (Vietnamese) if too weak."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None


def set_password(username: str, password: str) -> None:
    """Give a person a new password (validated); this also releases a demo account."""
    model = get_user_model()
    try:
        user = model.objects.get(username=username)
    except model.DoesNotExist:
        raise AccountError(_("No user named “%(name)s”.") % {"name": username}) from None
    check_password_strength(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(username: str, label: str = "") -> str:
    """Create a bearer token; the plain value is shown once and never stored."""
    model = get_user_model()
    try:
        user = model.objects.get(username=username)
    except model.DoesNotExist:
        raise AccountError(_("No user named “%(name)s”.") % {"name": username}) from None
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, label=label, prefix=raw[:10], digest=_digest(raw))
    return raw


def user_for_token(raw: str) -> AbstractBaseUser | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a token used by an agent every 5 s must not write every time.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_tokens(username: str) -> int:
    return ApiToken.objects.filter(user__username=username, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
