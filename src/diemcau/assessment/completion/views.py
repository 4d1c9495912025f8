"""Completion dashboard (drill-down by the unit tree) and its Excel export.

Rendered on the server from the same roll-up as the API (rollup.py), so the page, the
API and the file agree; the page only resolves the node and the conference (404 outside the
caller's scope) and shows one row per child with a link one level down.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.access import current_conference_id, get_conference
from diemcau.assessment.completion import exporting, status
from diemcau.assessment.completion import rollup as completion_rollup
from diemcau.errors import NotFound
from diemcau.web.errors import domain_errors


def _conference_id(request: HttpRequest) -> int:
    raw = request.GET.get("conference", "")
    return int(raw) if raw.isdigit() else current_conference_id()


@require_GET
@login_required
@domain_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    conference = get_conference(_conference_id(request))
    data = completion_rollup.rollup(scope, conference.pk, request.GET.get("unit"))
    unit = completion_rollup.resolve_unit(scope, data["unit"]["code"])
    parent = None
    if unit.parent is not None:
        try:
            parent = completion_rollup.resolve_unit(scope, unit.parent.code)
        except NotFound:
            parent = None
    return render(
        request,
        "assessment/completion_dashboard.html",
        {"conference": conference, "data": data, "unit": unit, "parent": parent},
    )


@require_GET
@login_required
@domain_errors
def export(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    conference = get_conference(_conference_id(request))
    unit = completion_rollup.resolve_unit(scope, request.GET.get("unit"))
    content = exporting.to_xlsx(scope, conference.pk, unit.code)
    response = HttpResponse(content, content_type=exporting.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="hoan-thanh-{unit.code}.xlsx"'
    return response


@login_required
@domain_errors
def completion_page(request: HttpRequest, conference_id: int) -> HttpResponse:
    conference = get_conference(conference_id)
    data = status.rates(scope_for(request.user), conference_id, request.GET.get("unit"))
    return render(request, "assessment/completion.html", {"conference": conference, "data": data})
