"""GET /metrics: the Prometheus text format, for a bearer token only."""

import os
import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client import REGISTRY as PROCESS_REGISTRY

from diemcau.metrics.collect import DomainCollector


def _allowed(request: HttpRequest) -> bool:
    token = settings.DIEMCAU_METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and secrets.compare_digest(given.encode(), token.encode())


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Without DIEMCAU_METRICS_TOKEN the address does not exist; a wrong token is told 403."""
    if not settings.DIEMCAU_METRICS_TOKEN:
        raise Http404
    if not _allowed(request):
        return HttpResponse("403 Forbidden\n", status=403, content_type="text/plain")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(PROCESS_REGISTRY)
    domain = CollectorRegistry()
    domain.register(DomainCollector())
    body += generate_latest(domain)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
