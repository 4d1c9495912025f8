"""The outermost WSGI layer: every request is counted and timed, the fast paths in front of
Django (heartbeats, quiz submissions) included.

The route label is the URL pattern Django matched (`api/v1/sites/{code}` style, never the
address itself, so the number of series stays bounded); Django's middleware leaves it in the
environ. Requests answered before Django are labelled by their fixed path, the rest "unmatched".
"""

import time
from collections.abc import Callable, Iterable
from typing import Any

from diemcau.metrics.instruments import LATENCY, REQUESTS

ROUTE_KEY = "diemcau.route"
FAST_PATHS = {"/api/v1/heartbeats": "api/v1/heartbeats"}
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wrap(app: WsgiApp) -> WsgiApp:
    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        status = ["5xx"]

        def start(code: str, headers: Any, exc_info: Any = None) -> Any:
            status[0] = f"{code[:1]}xx"
            return (
                start_response(code, headers, exc_info)
                if exc_info
                else start_response(code, headers)
            )

        try:
            return app(environ, start)
        finally:
            path = environ.get("PATH_INFO", "")
            route = environ.get(ROUTE_KEY) or FAST_PATHS.get(path) or _quiz_route(path)
            REQUESTS.labels(route, environ.get("REQUEST_METHOD", ""), status[0]).inc()
            LATENCY.labels(route).observe(time.perf_counter() - started)

    return counted


def _quiz_route(path: str) -> str:
    # The quiz submission's fast path answers /api/v1/delegate/…/submit before Django.
    if path.startswith("/api/v1/") and path.endswith("/submit"):
        return "api/v1/quiz/submit"
    return "unmatched"
