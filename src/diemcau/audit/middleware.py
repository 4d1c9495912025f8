"""Keeps the request at hand for the audit trail of every change made while it runs."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from diemcau.audit.context import current_request


class AuditContextMiddleware:
    """One context variable set and reset per request: nothing is read until an entry is
    written (context.py says why the user is read late). With DIEMCAU_AUDIT=0 it steps aside."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = bool(getattr(settings, "DIEMCAU_AUDIT", True))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
