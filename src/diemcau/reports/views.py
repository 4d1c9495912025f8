"""Report pages: the live report of a unit (printable), freezing it, and a frozen report."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.reports import choice, files, services, tasks
from diemcau.reports.charts import with_charts
from diemcau.web.errors import domain_errors


def _number(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name) or request.POST.get(name) or ""
    return int(raw) if raw.isdigit() else None


def _session(request: HttpRequest) -> int | None:
    return choice.session_in(_number(request, "conference"), _number(request, "session"))


@require_GET
@login_required
@domain_errors
def report_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    session = _session(request)
    data = services.report(
        scope, request.GET.get("unit"), session, conference_id=_number(request, "conference")
    )
    conferences = choice.conferences()
    current = next((c for c in conferences if c.pk == data["conference_id"]), None)
    return render(
        request,
        "reports/report.html",
        {
            "data": data,
            "tables": with_charts(data),
            "session": session or "",
            "conferences": conferences,
            "sessions": choice.sessions(current),
            "export_url": reverse("reports:export"),
            "export_formats": [(f, files.LABELS[f]) for f in ("xlsx", "pdf")],
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
        scope_for(request.user),
        request.user,
        request.POST.get("unit"),
        _session(request),
        conference_id=_number(request, "conference"),
    )
    return redirect("reports:snapshot", pk=snapshot.pk)


@require_GET
@login_required
@domain_errors
def snapshot_page(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    data = services.get_snapshot(scope, pk)
    live = services.report(
        scope,
        data["node"]["code"],
        (data["session"] or {}).get("id"),
        conference_id=data.get("conference_id"),
    )
    return render(
        request,
        "reports/report.html",
        {
            "data": data,
            "tables": with_charts(data),
            "changes": services.diff(data, live),
            "api": reverse("api:get_snapshot", kwargs={"pk": pk}),
        },
    )


@require_POST
@login_required
@domain_errors
def export_page(request: HttpRequest) -> HttpResponse:
    """Start the XLSX or PDF of a report as a background task; its page shows the progress."""
    from diemcau.tasks.services import submit

    fmt = request.POST.get("format", "")
    if fmt not in ("xlsx", "pdf"):
        raise Http404(fmt)
    node = services.check_node(scope_for(request.user), request.POST.get("unit"))  # 404 outside
    params = {
        "node": node,
        "session": _session(request),
        "conference": _number(request, "conference"),
        "format": fmt,
        "lang": get_language() or "vi",
    }
    task = submit(tasks.KIND, request.user.pk, params)
    return redirect("tasks:detail", task_id=task.pk)


@require_GET
@login_required
def export_file(request: HttpRequest, task_id: uuid.UUID) -> HttpResponse:
    """The file of a finished export, for its owner (or a central organiser) only."""
    from diemcau.errors import NotFound
    from diemcau.tasks.services import get_task

    try:
        task = get_task(scope_for(request.user), task_id)
    except NotFound:
        raise Http404(task_id) from None
    result = task.result or {}
    fmt = str(result.get("format", ""))
    path = tasks.export_file(task.pk, fmt) if fmt in files.FORMATS else None
    if task.kind != tasks.KIND or task.status != "done" or path is None or not path.exists():
        raise Http404(task_id)
    # A report file is small (tens to hundreds of KB): read whole, no file left open.
    response = HttpResponse(path.read_bytes(), content_type=files.CONTENT_TYPES[fmt])
    name = str(result.get("filename") or path.name)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
