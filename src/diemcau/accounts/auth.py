"""How API callers prove who they are: a bearer token (programs) or the session (people).

Kept in accounts so every router — the API root and hot paths with their own caching — uses the
same two checks.
"""

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from diemcau.accounts.services import user_for_token


def bearer_user(request: HttpRequest, token: str) -> Any:
    """The token's user, or None after counting the failure; 429 once the address is locked.

    Every bearer check (this router's and the heartbeat path's cache misses) goes through here,
    so unknown tokens are counted wherever they are tried.
    """
    from diemcau.accounts.signin import bearer_refused

    user = user_for_token(token)
    if user is None:
        bearer_refused(request)
    return user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = bearer_user(request, token)
        if user is not None:
            request.user = user  # scope checks read request.user
        return user


class SessionLogin(APIKeyCookie):
    """Session cookie auth; CSRF is checked on unsafe methods as for any Django form."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is nothing for CSRF to protect: answer 401 (a program
        # with a wrong token must hear "not authenticated", not "CSRF check failed").
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from diemcau.accounts.middleware import held_reason

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        # A session that still owes its second factor (or a demo account's new password in
        # production) reads nothing through the API either.
        reason = held_reason(request)
        if reason is not None:
            raise HttpError(403, reason.message)
        return user
