"""The start page, built around now: the session on, live counts, the worst sites and the one
next action of the person's role (web/now.py). A site operator starts on their console and a
sector answerer on their questions instead."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import scope_for
from diemcau.web import now

REFRESH_S = 10


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    elsewhere = now.landing(scope)
    if elsewhere is not None:
        return redirect(elsewhere)
    panel = now.panel(scope)
    return render(
        request,
        "web/home.html",
        {
            "panel": panel,
            "figures": panel.as_json(),
            "connected_pct": panel.percent("connected", "sites"),
            "checked_in_pct": panel.percent("checked_in", "registered"),
            "refresh_s": REFRESH_S,
            "can_read_sites": scope.site_read_q() is not None,
        },
    )


@require_GET
@login_required
def now_json(request: HttpRequest) -> JsonResponse:
    """The panel's figures, for the page to refresh in place every REFRESH_S seconds."""
    return JsonResponse(now.panel(scope_for(request.user)).as_json())
