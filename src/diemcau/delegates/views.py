"""Delegate pages: list with filters, detail and edit, badge revocation, import, badge sheets.

Views stay thin: reads go through `visible_delegates`/`get_delegate`, writes through
`update_delegate`/`revoke_badge`, so the UI answers exactly as the API does — 404 outside the
read scope, 403 outside the write scope.
"""

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diemcau import publicurl
from diemcau.accounts.scopes import Scope, scope_for
from diemcau.delegates import services, tasks
from diemcau.delegates.forms import DelegateForm, ImportForm, initial_from
from diemcau.errors import Invalid, NotFound
from diemcau.units.models import Unit
from diemcau.units.services import provinces
from diemcau.web.errors import domain_errors

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filters_from(request: HttpRequest) -> services.DelegateFilters:
    get = request.GET

    def text(name: str) -> str | None:
        return get.get(name, "").strip() or None

    return services.DelegateFilters(site=text("site"), province=text("province"), q=text("q"))


def _province_choices(scope: Scope) -> list[Unit]:
    """Provinces worth offering in the filter: all of them, or those of the user's grants."""
    if scope.everything or scope.reads_everything:
        return list(provinces())
    ids = {u.province_id for u in scope.organiser_units + scope.viewer_units if u.province_id}
    return list(provinces().filter(pk__in=ids)) if len(ids) > 1 else []


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@login_required
@require_GET
def delegate_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.site_read_q() is None:
        raise PermissionDenied(_("You may not read delegate lists."))
    filters = filters_from(request)
    page = services.list_page(
        services.search_delegates(scope, filters), _page_number(request), PER_PAGE
    )
    badge_site = None
    if filters.site and page.items and services.can_write(scope, page.items[0]):
        badge_site = page.items[0].site
    return render(
        request,
        "delegates/delegate_list.html",
        {
            "page": page,
            "filters": filters,
            "provinces": _province_choices(scope),
            "badge_site": badge_site,
            # Badges print the public address: say so here, before anyone prints.
            "address_warning": publicurl.warning(request) if badge_site else "",
            "can_import": scope.site_write_q() is not None,
            "rows": [(d, services.national_id_display(scope, d)) for d in page.items],
        },
    )


@login_required
@domain_errors
def delegate_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The delegate's details; those who may change them edit them on the same page."""
    scope = scope_for(request.user)
    delegate = services.get_delegate(scope, code)
    can_edit = services.can_write(scope, delegate)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("You may not change this delegate."))
        form = DelegateForm(request.POST)
        if form.is_valid():
            try:
                delegate = services.update_delegate(scope, delegate.code, form.values())
            except Invalid as exc:
                form.add_invalid(exc)
            else:
                messages.success(request, _("The delegate's details were saved."))
                return redirect("delegates:detail", code=delegate.code)
        status = 422
    else:
        form = DelegateForm(initial=initial_from(delegate))
    context = {
        "delegate": delegate,
        "national_id": services.national_id_display(scope, delegate),
        "can_edit": can_edit,
        "form": form if can_edit else None,
    }
    return render(request, "delegates/delegate_detail.html", context, status=status)


@login_required
@require_POST
@domain_errors
def delegate_revoke(request: HttpRequest, code: str) -> HttpResponse:
    delegate = services.revoke_badge(scope_for(request.user), code)
    messages.success(
        request,
        _("The badge was revoked: the old QR code no longer works. Print a new badge."),
    )
    return redirect("delegates:detail", code=delegate.code)


@login_required
@require_POST
@domain_errors
def delegate_badges(request: HttpRequest) -> HttpResponse:
    """Start printing one site's badges (POST site=CODE); the task page offers the PDF."""
    from diemcau.tasks.services import submit

    site = services.badge_site(scope_for(request.user), request.POST.get("site", ""))
    params = {"site": site.code, "base_url": publicurl.base(request)}
    task = submit("delegates.badges", request.user.pk, params)
    return redirect("tasks:detail", task_id=task.pk)


@login_required
@require_GET
def delegate_badges_file(request: HttpRequest, task_id: uuid.UUID) -> FileResponse:
    """The PDF of a finished badge task, for its owner (or a central organiser) only."""
    from diemcau.tasks.services import get_task

    try:
        task = get_task(scope_for(request.user), task_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    path = tasks.badge_file(task.pk)
    if task.kind != "delegates.badges" or task.status != "done" or not path.exists():
        raise Http404(task_id)
    name = f"the-dai-bieu-{(task.result or {}).get('site', '')}.pdf"
    return FileResponse(path.open("rb"), filename=name, content_type="application/pdf")


@login_required
@require_GET
def delegate_template(request: HttpRequest) -> FileResponse:
    from io import BytesIO

    from diemcau.delegates.template import write_template

    out = BytesIO()
    write_template(out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename="mau-nhap-dai-bieu.xlsx", content_type=XLSX
    )


@login_required
def delegate_import(request: HttpRequest) -> HttpResponse:
    """Upload a file; the import runs as a background task whose page shows progress and report."""
    scope = scope_for(request.user)
    if scope.site_write_q() is None:
        raise PermissionDenied(_("You may not import delegates."))
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            task = _start_import(request, form)
            return redirect("tasks:detail", task_id=task.pk)
    else:
        form = ImportForm()
    return render(request, "delegates/delegate_import.html", {"form": form})


def _start_import(request: HttpRequest, form: ImportForm) -> Any:
    from diemcau.tasks.services import submit

    upload = form.cleaned_data["file"]
    folder = settings.DATA_DIR / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return submit(
        "delegates.import",
        request.user.pk,
        {
            "path": str(path),
            "filename": upload.name,
            "dry_run": form.cleaned_data["dry_run"],
            "skip_bad": form.cleaned_data["skip_bad"],
        },
    )
