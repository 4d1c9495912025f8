"""Incident pages: the scoped list with filters and an opening form, and one incident's page
with its notes and the assign / note / resolve forms. Every action goes through
`operations.incidents`, so a page answers as the API does (404 outside the read scope, 403 for
a change the caller may not make); a wrong input comes back as a message on the same page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.errors import Invalid
from diemcau.operations import incidents
from diemcau.operations.models import IncidentCause, IncidentOrigin, IncidentStatus
from diemcau.web.errors import domain_errors

PER_PAGE = 50


def _filters(request: HttpRequest) -> incidents.IncidentFilters:
    def pick(name: str, allowed: list[str] | None = None) -> str | None:
        value = request.GET.get(name, "").strip() or None
        return value if value is None or allowed is None or value in allowed else None

    return incidents.IncidentFilters(
        status=pick("status", IncidentStatus.values),
        province=pick("province"),
        cause=pick("cause", IncidentCause.values),
        site=pick("site"),
        origin=pick("origin", IncidentOrigin.values),
    )


@require_GET
@login_required
@domain_errors
def incident_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    filters = _filters(request)
    qs = incidents.visible_incidents(scope, filters)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    total, per_province = incidents.resolve_times(scope, filters.province)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "operations/incidents.html",
        {
            "page": page,
            "filters": filters,
            "open_count": incidents.open_count(scope),
            "provinces": incidents.province_choices(scope),
            "causes": IncidentCause.choices,
            "statuses": IncidentStatus.choices,
            "origins": IncidentOrigin.choices,
            "may_open": scope.site_write_q() is not None,
            "times_total": total,
            "times": per_province,
            "query": query.urlencode(),
        },
    )


@require_POST
@login_required
@domain_errors
def incident_open(request: HttpRequest) -> HttpResponse:
    try:
        incident = incidents.open_incident(
            scope_for(request.user),
            request.user,
            request.POST.get("site", ""),
            request.POST.get("cause", ""),
            request.POST.get("description", ""),
        )
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect("operations:incidents")
    return redirect("operations:incident", incident.pk)


@require_GET
@login_required
@domain_errors
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    incident = incidents.get_incident(scope, pk)
    organiser = incidents.organises(scope, incident.site)
    assignee = incident.assignee_id == request.user.pk
    return render(
        request,
        "operations/incident_detail.html",
        {
            "incident": incident,
            "notes": incidents.notes(incident),
            "is_open": incident.status == IncidentStatus.OPEN,
            "may_assign": organiser,
            "may_note": assignee or incidents.may_write(scope, incident.site),
            "may_resolve": organiser or assignee,
            "technicians": incidents.technicians(incident.province) if organiser else [],
            "time_to_resolve": (
                incident.resolved_at - incident.opened_at if incident.resolved_at else None
            ),
        },
    )


def _back(pk: int, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("operations:incident", args=[pk]) + anchor)


@require_POST
@login_required
@domain_errors
def incident_assign(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incidents.assign(scope_for(request.user), pk, request.POST.get("assignee", ""))
    except Invalid as exc:
        messages.error(request, exc.message)
    return _back(pk)


@require_POST
@login_required
@domain_errors
def incident_note(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incidents.add_note(scope_for(request.user), request.user, pk, request.POST.get("text", ""))
    except Invalid as exc:
        messages.error(request, exc.message)
    return _back(pk, "#notes")


@require_POST
@login_required
@domain_errors
def incident_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incidents.resolve(
            scope_for(request.user), request.user, pk, request.POST.get("resolution", "")
        )
    except Invalid as exc:
        messages.error(request, exc.message)
    return _back(pk)
