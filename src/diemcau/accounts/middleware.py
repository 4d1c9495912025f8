"""Holds sessions that still owe a second factor or a new password.

Pages: a person of a role in DIEMCAU_2FA_ROLES whose session has not passed its second factor is
sent to enrolment (no authenticator yet) or to the code page, whatever page they asked for; a
demo account signed in while the server runs in production mode is signed out and sent to the
login page, which says why. The API (/api/) is left to SessionLogin, which answers 403 with the
same reason; bearer tokens are not held.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from diemcau.accounts import signin, twofactor

# Pages a held session may still open: the second-factor pages themselves, signing in and out,
# the language switch and static files.
_OPEN_PREFIXES = ("/accounts/2fa/", "/login/", "/logout/", "/i18n/", "/static/", "/favicon")


@dataclass(frozen=True)
class Held:
    kind: str  # "demo" | "2fa"
    message: str


def held_reason(request: HttpRequest) -> Held | None:
    """Why this signed-in session may not go on, or None. One session read, and for people who
    must use two factors their scope (kept for the request) and the device django-otp loads."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    session = getattr(request, "session", None)
    if session is not None and session.get(signin.DEMO_HELD_KEY):
        return Held("demo", signin.demo_refused_message())
    if twofactor.requires_2fa(user):
        verified = getattr(user, "is_verified", None)
        if verified is None or not verified():
            return Held(
                "2fa",
                _(
                    "Your role requires two-factor sign-in: open the site in a browser, sign in "
                    "and enter the code from your authenticator app first."
                ),
            )
    return None


class SignInPolicyMiddleware:
    """Sends held sessions to the page that releases them (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not path.startswith("/api/"):
            held = held_reason(request)
            if held is not None and held.kind == "demo":
                logout(request)
                return HttpResponseRedirect(reverse("login") + "?held=demo")
            if held is not None and not path.startswith(_OPEN_PREFIXES):
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(reverse("accounts:2fa") + "?" + query)
        return self.get_response(request)
