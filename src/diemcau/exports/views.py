"""Pages: the exporters with a form each, their files, and a paper sign-in list to bring back in.

Thin: every check and every file is the services' (exports.services, attendance.paperlist).
"""

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.errors import NotFound
from diemcau.exports import registry, services
from diemcau.exports.forms import PaperListForm
from diemcau.exports.tasks import PAPERLIST_KIND
from diemcau.programme.models import Session, SessionKind
from diemcau.tasks.services import get_task, submit
from diemcau.web.errors import domain_errors


def _default_node(scope: Scope) -> str:
    if scope.everything or scope.reads_everything:
        return "TW"
    units = scope.organiser_units + scope.viewer_units
    if units:
        return units[0].code
    from diemcau.sites.models import Site

    first = Site.objects.filter(pk__in=scope.operator_site_ids).order_by("code").first()
    return first.code if first else ""


@require_GET
@login_required
def export_index(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.site_read_q() is None:
        raise PermissionDenied(_("You may not export lists."))
    return render(
        request,
        "exports/index.html",
        {
            "exporters": [services.describe(e) for e in registry.exporters()],
            "labels": services.LABELS,
            "node": request.GET.get("node") or _default_node(scope),
            "can_import": scope.site_write_q() is not None,
        },
    )


@require_POST
@login_required
@domain_errors
def export_start(request: HttpRequest, identifier: str) -> HttpResponse:
    """Start the export as a background task; its page shows progress, then the file."""
    skip = ("node", "format", "csrfmiddlewaretoken")
    options = {k: str(v) for k, v in request.POST.items() if k not in skip}
    task = services.start(
        scope_for(request.user),
        request.user.pk,
        identifier,
        node=request.POST.get("node") or None,
        fmt=request.POST.get("format", "xlsx"),
        options=options,
    )
    return redirect("tasks:detail", task_id=task.pk)


@require_GET
@login_required
def export_file(request: HttpRequest, task_id: uuid.UUID) -> FileResponse:
    """The file of a finished export, for its owner (or a central organiser) only."""
    try:
        path, name, content_type = services.finished_file(scope_for(request.user), task_id)
    except (NotFound, services.NotReady):
        raise Http404(task_id) from None
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )


def _sessions() -> list[tuple[int, str]]:
    found = (
        Session.objects.exclude(kind=SessionKind.REHEARSAL)
        .order_by("-day__date", "starts_at")
        .values_list("pk", "title", "day__date", "starts_at")[:200]
    )
    return [(pk, f"{title} — {day:%d/%m/%Y} {at:%H:%M} (#{pk})") for pk, title, day, at in found]


def _may_record(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if scope.site_write_q() is None:
        raise PermissionDenied(_("You may not record attendance."))
    return scope


@login_required
def paperlist_page(request: HttpRequest) -> HttpResponse:
    """Upload a paper sign-in list: checked first (dry run), recorded when the person says so."""
    _may_record(request)
    if request.method == "POST":
        form = PaperListForm(request.POST, request.FILES, sessions=_sessions())
        if form.is_valid():
            path = _keep(form.cleaned_data["file"])
            params = {
                "path": str(path),
                "filename": form.cleaned_data["file"].name,
                "session": form.cleaned_data["session"],
                "dry_run": form.cleaned_data["dry_run"],
            }
            task = submit(PAPERLIST_KIND, request.user.pk, params)
            return redirect("tasks:detail", task_id=task.pk)
    else:
        form = PaperListForm(sessions=_sessions())
    return render(request, "exports/paperlist.html", {"form": form})


def _keep(upload: Any) -> Path:
    folder = Path(settings.DATA_DIR) / "uploads" / "paper-lists"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@require_POST
@login_required
@domain_errors
def paperlist_record(request: HttpRequest, task_id: uuid.UUID) -> HttpResponse:
    """Record the very list a dry run checked (kept since), as a new task."""
    _may_record(request)
    checked = get_task(scope_for(request.user), task_id)
    params = dict(checked.params)
    path = Path(str(params.get("path", "")))
    if checked.kind != PAPERLIST_KIND or not params.get("dry_run") or not path.exists():
        raise Http404(task_id)
    task = submit(PAPERLIST_KIND, request.user.pk, {**params, "dry_run": False})
    return redirect("tasks:detail", task_id=task.pk)
