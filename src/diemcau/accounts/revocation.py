"""Taking access away, effective at once: deactivate and reactivate people, remove a grant,
revoke API tokens, end browser sessions.

Who may do it: the central organiser for everyone; a province organiser for the people whose
grants all lie inside their province (a person who also holds rights elsewhere is someone else's
to manage); operators, viewers and answerers for nobody. A person outside the actor's scope does
not exist for reads (404) and may not be changed (403), as everywhere in diemcau.

"At once" has three parts: the person's session rows are deleted (found through UserSession,
written at sign-in), the database no longer accepts the token or the inactive user, and every
server process forgets the credentials it had cached for the person (revocation_feed), so the
heartbeat fast path refuses the very next beat.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.models import ApiToken, Grant, Role, UserSession
from diemcau.accounts.revocation_feed import revocations
from diemcau.accounts.scopes import Scope, any_of
from diemcau.audit.services import record_event
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.units.models import Unit
from diemcau.units.services import units_under_q

SITE_LINK_PREFIX = "diemcau-site-"  # console/links.py's accounts: one per site, run by links
LIST_LIMIT = 200


# -- sessions --------------------------------------------------------------------------------
def record_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """user_logged_in: remember the session key so the session can be ended without a scan."""
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key and getattr(user, "pk", None):
        UserSession.objects.update_or_create(session_key=key, defaults={"user_id": user.pk})
        # the person's sessions that expired or were replaced meanwhile: keep the table small
        live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
        UserSession.objects.filter(user_id=user.pk).exclude(session_key=key).exclude(
            session_key__in=live
        ).delete()


def record_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """user_logged_out: the session is gone already; so is the need to remember it."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def end_sessions(user_ids: Iterable[int]) -> int:
    """Log these users out everywhere now; returns how many browser sessions ended."""
    ids = sorted({int(u) for u in user_ids})
    if not ids:
        return 0
    keys = list(UserSession.objects.filter(user_id__in=ids).values_list("session_key", flat=True))
    ended, _by_model = Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user_id__in=ids).delete()
    forget_cached(ids)
    return ended


def forget_cached(user_ids: Iterable[int]) -> None:
    """Make every server process drop what it cached for these users, after this commit."""
    ids = sorted({int(u) for u in user_ids})
    if ids:
        revocations.announce(ids)
        # again once the change is visible: a request between the two may have cached the old
        transaction.on_commit(lambda: revocations.announce(ids))


# -- who may manage whom ---------------------------------------------------------------------
def _require_manager(scope: Scope) -> None:
    if not scope.is_organiser:
        raise Forbidden(_("Only organisers manage people."))


def _inside(units: tuple[Unit, ...]) -> Q:
    """Grants that lie wholly inside the organiser's provinces."""
    unit_q = any_of([units_under_q(u, "unit__") for u in units]) or Q(pk__in=[])
    site_q = any_of([units_under_q(u, "site__unit__") for u in units]) or Q(pk__in=[])
    sites_outside = Grant.sites.through.objects.exclude(site_q).values("grant_id")
    return (
        (Q(role=Role.PROVINCE_ORGANISER) & unit_q)
        | (Q(role=Role.VIEWER, unit__isnull=False) & unit_q)
        | (Q(role=Role.SITE_OPERATOR) & ~Q(pk__in=sites_outside))
    )


def people_in_scope(scope: Scope) -> QuerySet[Any]:
    """The people this organiser manages (site-link accounts included; see `people`)."""
    _require_manager(scope)
    users = get_user_model().objects.all()
    if scope.everything:
        return users
    outside = Grant.objects.exclude(_inside(scope.organiser_units)).values("user_id")
    return (
        users.filter(is_superuser=False, pk__in=Grant.objects.values("user_id"))
        .exclude(pk__in=outside)
        .distinct()
    )


def _get(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(_("No user named “%(name)s”.") % {"name": username})
    return user


def person(scope: Scope, username: str) -> Any:
    """Read: someone outside the scope does not exist for this organiser."""
    user = _get(username)
    if not people_in_scope(scope).filter(pk=user.pk).exists():
        raise NotFound(_("No user named “%(name)s”.") % {"name": username})
    return user


def _person_to_change(scope: Scope, username: str) -> Any:
    """Write: someone outside the scope may not be changed."""
    _require_manager(scope)
    user = _get(username)
    if not people_in_scope(scope).filter(pk=user.pk).exists():
        raise Forbidden(_("“%(name)s” is outside your scope.") % {"name": username})
    if scope.user_id and user.pk == scope.user_id:
        raise Forbidden(_("You cannot change your own access."))
    return user


def _unit_of(user: Any) -> Unit | None:
    """The province whose organisers may read the audit entry (None: central only)."""
    provinces = set()
    for grant in Grant.objects.filter(user=user).select_related("unit").prefetch_related("sites"):
        if grant.unit is not None and grant.unit.province_id:
            provinces.add(grant.unit.province_id)
        elif grant.role == Role.SITE_OPERATOR:
            provinces.update(s.province_id for s in grant.sites.all() if s.province_id)
        else:
            return None
    if len(provinces) != 1:
        return None
    return Unit.objects.filter(pk=provinces.pop()).first()


# -- listing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonRow:
    user: Any
    grants: list[Grant]
    tokens: list[ApiToken]


def people(
    scope: Scope, search: str = "", *, site_accounts: bool = False, limit: int = LIST_LIMIT
) -> list[PersonRow]:
    """People in scope with their grants and tokens, by username; site-link accounts (one per
    site, 11,000 of them) only when asked, since their links are managed on the links page."""
    qs = people_in_scope(scope)
    if not site_accounts:
        qs = qs.exclude(username__startswith=SITE_LINK_PREFIX)
    if search.strip():
        term = search.strip()
        qs = qs.filter(
            Q(username__icontains=term) | Q(first_name__icontains=term) | Q(email__icontains=term)
        )
    users = list(
        qs.order_by("username").prefetch_related(
            Prefetch(
                "grants",
                Grant.objects.select_related("unit").prefetch_related("sites").order_by("pk"),
            ),
            Prefetch("api_tokens", ApiToken.objects.order_by("-created_at")),
        )[:limit]
    )
    return [PersonRow(u, list(u.grants.all()), list(u.api_tokens.all())) for u in users]


def grants_of(scope: Scope, username: str) -> list[Grant]:
    user = person(scope, username)
    return list(
        Grant.objects.filter(user=user)
        .select_related("unit")
        .prefetch_related("sites")
        .order_by("pk")
    )


def describe_grant(grant: Grant) -> str:
    """The grant's scope as the CLI takes it: a unit code, site codes or a sector."""
    if grant.unit is not None:
        return grant.unit.code
    if grant.role == Role.SITE_OPERATOR:
        return ",".join(sorted(s.code for s in grant.sites.all()))
    return grant.sector


def tokens(scope: Scope, username: str | None = None) -> list[ApiToken]:
    """API tokens of one person (404 outside the scope) or of everyone in scope."""
    qs = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
    if username is not None:
        return list(qs.filter(user=person(scope, username)))
    if not scope.everything:
        qs = qs.filter(user__in=people_in_scope(scope))
    return list(qs)


# -- changes ---------------------------------------------------------------------------------
@transaction.atomic
def deactivate(scope: Scope, username: str, *, actor: Any = None) -> int:
    """The person can no longer sign in, use a token or keep a session; returns sessions ended."""
    user = _person_to_change(scope, username)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    ended = end_sessions([user.pk])
    record_event(
        "deactivate", "user", actor=actor, unit=_unit_of(user),
        counts={"sessions_ended": ended}, detail=user.username,
    )  # fmt: skip
    return ended


@transaction.atomic
def activate(scope: Scope, username: str, *, actor: Any = None) -> None:
    """Undo `deactivate`: the password and the tokens not revoked work again."""
    user = _person_to_change(scope, username)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    record_event("activate", "user", actor=actor, unit=_unit_of(user), detail=user.username)


@transaction.atomic
def remove_grant(
    scope: Scope,
    username: str,
    *,
    grant_id: int | None = None,
    role: str | None = None,
    scope_code: str | None = None,
    actor: Any = None,
) -> int:
    """Remove one grant (by id, or by role and scope code); returns how many were removed.

    With a role and no scope code, every grant of that role goes. The person's sessions stay
    (other grants may remain); the next request is judged by what is left.
    """
    user = _person_to_change(scope, username)
    unit = _unit_of(user)
    grants = Grant.objects.filter(user=user).select_related("unit").prefetch_related("sites")
    if grant_id is not None:
        chosen = [g for g in grants if g.pk == grant_id]
    elif role:
        chosen = [
            g
            for g in grants
            if g.role == role and (scope_code is None or describe_grant(g) == scope_code.strip())
        ]
    else:
        raise Invalid(_("Say which grant: its id, or --role (and --scope)."))
    if not chosen:
        raise NotFound(_("“%(name)s” holds no such grant.") % {"name": username})
    for grant in chosen:
        if grant.role == Role.CENTRAL_ORGANISER and not scope.everything:
            raise Forbidden(_("Only a central organiser removes a central organiser's grant."))
    labels = ", ".join(f"{g.role} {describe_grant(g)}".strip() for g in chosen)
    Grant.objects.filter(pk__in=[g.pk for g in chosen]).delete()
    central_left = Grant.objects.filter(user=user, role=Role.CENTRAL_ORGANISER).exists()
    if any(g.role == Role.CENTRAL_ORGANISER for g in chosen) and not (
        user.is_superuser or central_left
    ):
        user.is_staff = False  # add_user made them staff for the admin site
        user.save(update_fields=["is_staff"])
    forget_cached([user.pk])  # the fast path resolved the old scope
    record_event(
        "remove_grant", "grant", actor=actor, unit=unit,
        counts={"grants": len(chosen)}, detail=f"{user.username}: {labels}",
    )  # fmt: skip
    return len(chosen)


def _token_to_change(scope: Scope, prefix_or_id: str | int) -> ApiToken:
    qs = ApiToken.objects.select_related("user")
    if isinstance(prefix_or_id, int) or str(prefix_or_id).isdigit():
        found = list(qs.filter(pk=int(prefix_or_id)))
    else:
        found = list(qs.filter(prefix=str(prefix_or_id).strip().rstrip("…")))
    if not found:
        raise NotFound(_("No token “%(prefix)s”.") % {"prefix": prefix_or_id})
    if len(found) > 1:
        raise Invalid(
            _("Several tokens start with “%(prefix)s”: revoke by id.") % {"prefix": prefix_or_id}
        )
    token = found[0]
    _person_to_change(scope, token.user.get_username())
    return token


@transaction.atomic
def revoke_token(scope: Scope, prefix_or_id: str | int, *, actor: Any = None) -> ApiToken:
    """One token stops working now, on every server (its next call is 401)."""
    token = _token_to_change(scope, prefix_or_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    forget_cached([token.user_id])
    record_event(
        "revoke", "token", actor=actor, unit=_unit_of(token.user),
        counts={"tokens": 1}, detail=f"{token.user.get_username()}: {token.prefix}",
    )  # fmt: skip
    return token


@transaction.atomic
def revoke_user_tokens(scope: Scope, username: str, *, actor: Any = None) -> int:
    """Every token of the person stops working now; returns how many were live."""
    user = _person_to_change(scope, username)
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    forget_cached([user.pk])
    record_event(
        "revoke", "token", actor=actor, unit=_unit_of(user),
        counts={"tokens": count}, detail=user.username,
    )  # fmt: skip
    return count
