"""The caller's address, one rule for every place that counts or records it.

Behind our nginx (DIEMCAU_BEHIND_PROXY, which sets SECURE_PROXY_SSL_HEADER) REMOTE_ADDR is nginx
itself, which would put the whole country under one address; the last X-Forwarded-For hop is the
one nginx appended, the earlier ones are whatever the client wrote and are not trusted. The audit
trail records it; the delegate pages count wrong answers by it (django-axes is configured to the
same rule in settings).
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR") or None
