"""Report pages: the live report of a unit (printable), freezing it, and a frozen report."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.reports import services
from diemcau.reports.figures import CHART_COLUMN
from diemcau.web.errors import domain_errors


def _session(request: HttpRequest) -> int | None:
    raw = request.GET.get("session") or request.POST.get("session") or ""
    return int(raw) if raw.isdigit() else None


def _with_bars(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each table with a bar width (percent of the largest) for its main column."""
    tables = []
    for table in data["tables"]:
        col = CHART_COLUMN.get(table["key"], 1)
        values = [r[col] for r in table["rows"] if col < len(r) and isinstance(r[col], int | float)]
        top = max(values, default=0) or 1
        rows = [
            {"cells": r, "bar": round(100 * r[col] / top) if isinstance(r[col], int | float) else 0}
            for r in table["rows"]
        ]
        tables.append({**table, "bar_rows": rows, "bar_column": table["columns"][col]})
    return tables


@require_GET
@login_required
@domain_errors
def report_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    session = _session(request)
    data = services.report(scope, request.GET.get("unit"), session)
    return render(
        request,
        "reports/report.html",
        {
            "data": data,
            "tables": _with_bars(data),
            "session": session or "",
            "snapshots": services.snapshots(scope, data["node"]["code"]),
            "can_freeze": scope.everything or bool(scope.organiser_units),
            "api": reverse("api:get_report", kwargs={"node": data["node"]["code"]}),
        },
    )


@require_POST
@login_required
@domain_errors
def freeze_page(request: HttpRequest) -> HttpResponse:
    snapshot = services.freeze(
        scope_for(request.user), request.user, request.POST.get("unit"), _session(request)
    )
    return redirect("reports:snapshot", pk=snapshot.pk)


@require_GET
@login_required
@domain_errors
def snapshot_page(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    data = services.get_snapshot(scope, pk)
    live = services.report(scope, data["node"]["code"], (data["session"] or {}).get("id"))
    return render(
        request,
        "reports/report.html",
        {
            "data": data,
            "tables": _with_bars(data),
            "changes": services.diff(data, live),
            "api": reverse("api:get_snapshot", kwargs={"pk": pk}),
        },
    )
