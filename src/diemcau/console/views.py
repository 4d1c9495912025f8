"""The site console page, its live state, its index and its service worker.

The page carries everything the script needs (site, programme day, API addresses, words) as
JSON, so it runs on from the service worker's copy when the network is gone.
"""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import scope_for
from diemcau.console import services, strings
from diemcau.web.errors import domain_errors

HEARTBEAT_S = 5
_SW = Path(__file__).resolve().parent / "static" / "console" / "sw.js"


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The sites the user may run a console for; straight to it when there is only one."""
    scope = scope_for(request.user)
    sites, total = services.writable_sites(scope)
    if total == 1:
        return redirect("console:site", code=sites[0].code)
    context = {"sites": sites, "total": total, "organiser": scope.is_organiser}
    return render(request, "console/index.html", context)


@require_GET
@never_cache
@ensure_csrf_cookie
@login_required
@domain_errors
def site_console(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    site = services.console_site(scope, code)
    sessions = services.day_sessions(scope, site.code)
    config = {
        "site": {"code": site.code, "name": site.name, "unit": site.unit.name},
        "sessions": sessions,
        "version": services.VERSION,
        "heartbeat_s": HEARTBEAT_S,
        "lang": get_language() or "vi",
        "sw": reverse("console:sw"),
        "static": static(""),
        "api": {
            "checkins": "/api/v1/checkins",
            "headcounts": f"/api/v1/sites/{site.code}/headcounts",
            "questions": reverse("api:create_question"),
            "heartbeats": reverse("api:post_heartbeats"),
            "roster": "/api/v1/delegates/roster",
            "rehearsals": "/api/v1/rehearsals",
            "live": reverse("console:live", kwargs={"code": site.code}),
        },
        "t": strings.messages(),
        "reasons": strings.reasons(),
    }
    return render(request, "console/console.html", {"site": site, "config": config})


@require_GET
@never_cache
@login_required
@domain_errors
def site_live(request: HttpRequest, code: str) -> HttpResponse:
    """The running count and the site's questions with their answers (JSON, polled)."""
    scope = scope_for(request.user)
    site = services.console_site(scope, code)
    raw = request.GET.get("session", "")
    session_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    data = services.live_state(scope, site, session_id)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served under /console/ (not /static/) so that it may control the console pages."""
    response = HttpResponse(_SW.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
