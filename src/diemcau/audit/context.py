"""Who is acting and from where, for the entries written while a request runs.

The middleware keeps the request in a context variable and nothing else; the actor is read from
`request.user` only when an entry is written. That is what makes the actor right for both ways
in: a person's session (AuthenticationMiddleware has set `request.user` before any view) and a
program's bearer token (django-ninja's auth, accounts/auth.py, sets `request.user` inside the
API, after every middleware has run). auditlog's own middleware takes the user at the start of
the request and would miss the token's; it also connects and disconnects a signal receiver per
request, which costs every hot request a lock.

Outside a request (the `diemcau` command, background workers) there is no actor: entries read
"hệ thống/CLI", unless the caller names one (record_event's `actor`).
"""

from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest

from diemcau.netaddr import client_address

current_request: ContextVar[HttpRequest | None] = ContextVar("diemcau_audit_request", default=None)


def request_actor(request: HttpRequest | None) -> Any:
    """The signed-in person of this request (session or bearer token), or None."""
    if request is None:
        return None
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def request_addr(request: HttpRequest | None) -> str | None:
    """The caller's address (diemcau.netaddr's rule), None outside a request."""
    return None if request is None else client_address(request)


def actor_fields(actor: Any) -> dict[str, Any]:
    """The entry's columns for an actor (None: the system or a command-line run)."""
    if actor is None:
        return {"actor": None, "actor_label": "", "actor_email": None}
    return {
        "actor": actor,
        "actor_label": actor.get_username()[:150],
        "actor_email": getattr(actor, "email", None) or None,
    }
