"""Attendance pages: the live dashboard (drill-down by the tree) and the Excel export.

The dashboard's figures come from the summary API, polled every few seconds; the page itself
only resolves the node (404 outside the caller's scope) and passes the configuration.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import scope_for
from diemcau.attendance import exporting
from diemcau.attendance.summary import resolve_unit
from diemcau.errors import NotFound
from diemcau.programme.models import Session
from diemcau.web.errors import domain_errors

REFRESH_S = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _session(request: HttpRequest) -> int | None:
    raw = request.GET.get("session", "")
    return int(raw) if raw.isdigit() else None


@require_GET
@login_required
@domain_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    unit = resolve_unit(scope, request.GET.get("unit"))
    parent = None
    if unit.parent is not None:
        try:
            parent = resolve_unit(scope, unit.parent.code)
        except NotFound:
            parent = None
    session = _session(request)
    sessions = Session.objects.select_related("day__conference").order_by(
        "-day__date", "starts_at"
    )[:30]
    config = {
        "unit": unit.code,
        "session": session,
        "api": reverse("api:get_summary"),
        "page": reverse("attendance:dashboard"),
        "refresh": REFRESH_S,
        "lang": get_language() or "vi",
        "updated": _("Updated at"),
    }
    return render(
        request,
        "attendance/dashboard.html",
        {"unit": unit, "parent": parent, "config": config, "sessions": sessions,
         "session": session, "refresh_s": REFRESH_S},
    )  # fmt: skip


@require_GET
@login_required
@domain_errors
def export(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    unit = resolve_unit(scope, request.GET.get("unit"))
    content = exporting.to_xlsx(scope, unit.code, _session(request))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="diem-danh-{unit.code}.xlsx"'
    return response
