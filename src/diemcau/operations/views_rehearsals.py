"""Rehearsal pages: the list with a scheduling form for organisers, and one rehearsal's
readiness under a node of the tree (province → commune → sites) with the not-ready export.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.errors import Invalid
from diemcau.operations import rehearsals
from diemcau.operations.api_rehearsals import csv_response
from diemcau.web.errors import domain_errors


@require_GET
@login_required
@domain_errors
def rehearsal_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    now = rehearsals.current_time()
    items = [(r, rehearsals.is_open(r, now)) for r in rehearsals.visible_rehearsals(scope)[:200]]
    return render(
        request,
        "operations/rehearsals.html",
        {"items": items, "may_schedule": rehearsals.may_schedule(scope), "now": now},
    )


def _when(value: str) -> dt.datetime | None:
    """A datetime-local field: a local wall-clock time in the server's zone."""
    parsed = parse_datetime(value.strip()) if value else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@require_POST
@login_required
@domain_errors
def rehearsal_schedule(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        rehearsal = rehearsals.schedule(
            scope_for(request.user),
            request.user,
            title=post.get("title", ""),
            starts_at=_when(post.get("starts_at", "")),
            ends_at=_when(post.get("ends_at", "")),
            unit_code=post.get("unit", ""),
        )
    except Invalid as exc:
        for message in exc.fields.values() or [exc.message]:
            messages.error(request, message)
        return redirect("operations:rehearsals")
    return redirect("operations:rehearsal", rehearsal.pk)


@require_GET
@login_required
@domain_errors
def rehearsal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    data = rehearsals.readiness(scope, pk, request.GET.get("unit"))
    return render(
        request,
        "operations/rehearsal_detail.html",
        {**data, "labels": rehearsals.state_labels()},
    )


@require_GET
@login_required
@domain_errors
def rehearsal_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return csv_response(request, pk, request.GET.get("unit"))
