"""How API callers prove who they are: a bearer token (programs) or the session (people).

Kept in accounts so every router — the API root and hot paths with their own caching — uses the
same two checks.
"""

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from diemcau.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user  # type: ignore[assignment]  # scope checks read request.user
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
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None
