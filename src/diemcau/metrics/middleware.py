"""Leave the matched URL pattern where the metrics layer (metrics/wsgi.py) reads it."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from diemcau.metrics.wsgi import ROUTE_KEY


class RouteLabelMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if match is not None:
            # django-ninja routes all share one Django pattern; its operation's path is finer.
            route = getattr(match, "route", "") or match.view_name
            request.META[ROUTE_KEY] = route or "unmatched"
        return response
