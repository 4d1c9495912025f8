"""Sign-in defences: lockout after repeated failures (django-axes), demo accounts in production.

django-axes counts the failures and refuses a locked caller; this module only says *how* we count
(per account at an address, and per address with a higher limit), what a locked-out person sees
(a Vietnamese page or a JSON 429 with the time to wait), how failed API tokens are counted, and
how an organiser lifts a lockout.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja.errors import HttpError

from diemcau.accounts.models import DemoAccount

# Failed bearer tokens are counted under this name: a Django user name cannot hold parentheses,
# so it never collides with a person, and a guessed token never locks a person's account.
BEARER_USERNAME = "(api-token)"


def address_factor() -> int:
    """How many times more failures an address may make than one account at that address."""
    return max(1, int(getattr(settings, "DIEMCAU_SIGNIN_ADDRESS_FACTOR", 4)))


class SignInAttemptsHandler(AxesDatabaseHandler):
    """axes' database handler, with a higher limit per address than per account.

    AXES_LOCKOUT_PARAMETERS lists [username, ip_address] and ip_address; axes compares the worst
    of them with one AXES_FAILURE_LIMIT. A province office signs in from behind one NAT address,
    so the address alone is allowed `address_factor()` times as many failures before it locks.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        username = get_client_username(request, credentials)
        ip = request.axes_ip_address  # type: ignore[attr-defined]
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        per_account = _sum(recent.filter(username=username, ip_address=ip))
        per_address = _sum(recent.filter(ip_address=ip))
        return max(per_account, per_address // address_factor())

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a successful sign-in, forget only that account's failures at that address.

        axes would delete every attempt of the address too: then anyone holding one account
        could sign in between guesses at a colleague's password and never be locked.
        """
        username = get_client_username(request, credentials)
        ip = request.axes_ip_address  # type: ignore[attr-defined]
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=ip).delete()
        return count


def _sum(attempts: QuerySet[AccessAttempt]) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


# -- what a locked-out caller sees -----------------------------------------------------------
def wait_left(request: HttpRequest, credentials: dict[str, Any] | None = None) -> timedelta:
    """Time until the lockout of this caller ends (its latest counted failure + the cool-off)."""
    cool_off = get_cool_off(request) or timedelta(0)
    username = get_client_username(request, credentials)
    ip = getattr(request, "axes_ip_address", None)
    latest: datetime | None = AccessAttempt.objects.filter(
        Q(ip_address=ip) | Q(username=username, ip_address=ip)
    ).aggregate(t=Max("attempt_time"))["t"]
    if latest is None:
        return cool_off
    return max(timedelta(0), latest + cool_off - timezone.now())


def wait_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute, or ask an organiser "
        "to unlock your account.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes, or ask an organiser "
        "to unlock your account.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with the wait, JSON under /api/, a page everywhere else."""
    wait = wait_left(request, credentials)
    message = wait_message(wait)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(
            request,
            "accounts/locked_out.html",
            {"message": message, "minutes": max(1, math.ceil(wait.total_seconds() / 60))},
            status=429,
        )
    response["Retry-After"] = str(max(1, math.ceil(wait.total_seconds())))
    return response


class TokenLockedOut(HttpError):
    """Too many unknown API tokens from this address: 429 with the wait, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(429, message)


def bearer_refused(request: HttpRequest) -> None:
    """Count an unknown bearer token against the caller's address; raise once it is locked.

    A token is 256 random bits, so guessing one is hopeless; the count stops a caller from
    hammering the token lookup and shows the attempt to organisers. A valid token is never
    refused here: a neighbour behind the same NAT must not be able to cut off every console of a
    province. AxesMiddleware then answers the locked request (JSON 429, Retry-After).
    """
    if not getattr(settings, "AXES_ENABLED", True):
        return
    credentials = {getattr(settings, "AXES_USERNAME_FORM_FIELD", "username"): BEARER_USERNAME}
    if AxesProxyHandler.is_locked(request, credentials):
        request.axes_locked_out = True  # type: ignore[attr-defined]
        request.axes_credentials = credentials  # type: ignore[attr-defined]
    else:
        AxesProxyHandler.user_login_failed(
            sender=__name__, credentials=credentials, request=request
        )
    if getattr(request, "axes_locked_out", False):
        raise TokenLockedOut(wait_message(wait_left(request, credentials)))


# -- organisers lift a lockout ---------------------------------------------------------------
@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str
    failures: int
    last_attempt: datetime


def locked_out(usernames: list[str] | None = None) -> list[Lockout]:
    """Accounts locked at some address now (failures within the cool-off reach the limit)."""
    cool_off = get_cool_off() or timedelta(0)
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
    if usernames is not None:
        recent = recent.filter(username__in=usernames)
    limit = settings.AXES_FAILURE_LIMIT
    limit = limit if isinstance(limit, int) else get_failure_limit(None, None)
    rows = (
        recent.exclude(username=BEARER_USERNAME)
        .values("username", "ip_address")
        .annotate(n=Sum("failures_since_start"), t=Max("attempt_time"))
        .filter(n__gte=limit)
        .order_by("-t")
    )
    return [Lockout(r["username"] or "", r["ip_address"] or "", int(r["n"]), r["t"]) for r in rows]


def locked_addresses() -> list[Lockout]:
    """Addresses locked as a whole now (failures of every account from there reach the limit
    times the address factor): e.g. a province office's NAT address under a password spray."""
    cool_off = get_cool_off() or timedelta(0)
    limit = settings.AXES_FAILURE_LIMIT
    limit = limit if isinstance(limit, int) else get_failure_limit(None, None)
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
        .values("ip_address")
        .annotate(n=Sum("failures_since_start"), t=Max("attempt_time"))
        .filter(n__gte=limit * address_factor())
        .order_by("-t")
    )
    return [Lockout("", r["ip_address"] or "", int(r["n"]), r["t"]) for r in rows]


def unlock(username: str | None = None, ip_address: str | None = None) -> int:
    """Forget the failures of an account (at every address) or of an address; returns rows."""
    if not username and not ip_address:
        return 0
    return AxesProxyHandler.reset_attempts(username=username, ip_address=ip_address)


# -- demo accounts in production ---------------------------------------------------------------
def mark_demo(user: Any) -> None:
    """Remember that this account still has the published demo password (its hash right now)."""
    DemoAccount.objects.update_or_create(user=user, defaults={"password": user.password})


def demo_password_unchanged(user: Any) -> bool:
    """True while a demo account still holds the password it was created with.

    The mark keeps the password hash of that moment, so any change of password — the page, the
    CLI, the admin — releases the account without anyone having to remember to clear a flag.
    """
    if getattr(user, "pk", None) is None:
        return False
    mark = DemoAccount.objects.filter(user_id=user.pk).values_list("password", flat=True).first()
    return mark is not None and mark == user.password


def demo_refused(user: Any) -> bool:
    """In production (DIEMCAU_DEMO off) a demo account cannot sign in until its password changes."""
    return not settings.DIEMCAU_DEMO and demo_password_unchanged(user)


DEMO_HELD_KEY = "diemcau_demo_held"


def hold_demo_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in: every way in (login page, admin login, a forced login) marks the session
    of a refused demo account; SignInPolicyMiddleware then signs it out with the reason."""
    if request is not None and hasattr(request, "session") and demo_refused(user):
        request.session[DEMO_HELD_KEY] = True


def demo_refused_message() -> str:
    return _(
        "This is a demo account and its password was published with the demo. The server now "
        "runs in production mode: an organiser must give it a new password first "
        "(diemcau user set-password NAME)."
    )
