"""Site pages: list with filters, detail, create, edit, export and import.

Views stay thin: every read goes through `visible_sites`/`get_site` and every write through
`create_site`/`update_site`, so the UI answers exactly as the API does — 404 outside the read
scope, 403 outside the write scope.
"""

import uuid
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.audit.services import record_export
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.sites import services
from diemcau.sites.forms import ImportForm, SiteForm, initial_from
from diemcau.sites.models import SiteKind, SiteStatus
from diemcau.units.models import Level, Unit
from diemcau.units.services import get_unit, provinces, search_units
from diemcau.web.errors import domain_errors

PER_PAGE = 50
UNIT_CHOICES_LIMIT = 20
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filters_from(request: HttpRequest) -> services.SiteFilters:
    """The list filters from the query string; unknown kinds and statuses are ignored."""
    get = request.GET

    def text(name: str) -> str | None:
        return get.get(name, "").strip() or None

    kind = text("kind")
    status = text("status")
    return services.SiteFilters(
        province=text("province"),
        commune=text("commune"),
        unit=text("unit"),
        kind=kind if kind in SiteKind.values else None,
        status=status if status in SiteStatus.values else None,
        q=text("q"),
    )


def _province_choices(scope: Scope) -> list[Unit]:
    """Provinces worth offering in the filter: all of them, or those of the user's grants."""
    if scope.everything or scope.reads_everything:
        return list(provinces())
    ids = {u.province_id for u in scope.organiser_units + scope.viewer_units if u.province_id}
    return list(provinces().filter(pk__in=ids)) if ids else []


@login_required
@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    filters = filters_from(request)
    province_choices = _province_choices(scope)
    if filters.province:
        province = get_unit(filters.province)
    else:  # a one-province organiser goes straight to choosing a commune
        province = province_choices[0] if len(province_choices) == 1 else None
    communes = (
        list(search_units(level=Level.COMMUNE, province=province).order_by("name"))
        if province is not None and province.level == Level.PROVINCE
        else []
    )
    if filters.commune and communes and filters.commune not in {c.code for c in communes}:
        filters = replace(filters, commune=None)  # left over from another province
    sites = services.visible_sites(scope, filters).order_by("code")
    by_status = dict(
        sites.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    paginator = Paginator(sites, PER_PAGE)
    paginator.count = sum(by_status.values())  # already counted above: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    export_query = request.GET.copy()
    export_query.pop("page", None)
    return render(
        request,
        "sites/site_list.html",
        {
            "page": page,
            "filters": filters,
            "totals": [
                (label, by_status[value])
                for value, label in SiteStatus.choices
                if value in by_status
            ],
            "provinces": province_choices,
            "communes": communes,
            "kinds": SiteKind.choices,
            "statuses": SiteStatus.choices,
            "export_query": export_query.urlencode(),
        },
    )


@login_required
@require_GET
@domain_errors
def site_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    site = services.get_site(scope, code)
    try:
        services.get_site_for_write(scope, code)
        can_edit = True
    except (Forbidden, NotFound):
        can_edit = False
    return render(request, "sites/site_detail.html", {"site": site, "can_edit": can_edit})


def _unit_search(scope: Scope, query: str) -> list[Unit]:
    """Units matching `query` (with or without diacritics) where the user may add a site."""
    if not query.strip():
        return []
    found = [u for u in search_units(query)[:500] if scope.can_create_site_in(u)]
    return found[:UNIT_CHOICES_LIMIT]


@login_required
@domain_errors
def site_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_organiser:
        raise PermissionDenied(_("Only organisers may add sites."))
    status = 200
    if request.method == "POST":
        form = SiteForm(request.POST)
        if form.is_valid():
            try:
                site = services.create_site(scope, form.values())
            except Invalid as exc:
                form.add_invalid(exc)
            except Forbidden as exc:
                form.add_error("unit", exc.message)
                status = 403
            else:
                messages.success(request, _("Site “%(name)s” was added.") % {"name": site.name})
                return redirect("sites:detail", code=site.code)
    else:
        form = SiteForm(initial={"unit": request.GET.get("unit", "")})
    unit_q = request.GET.get("unit_q", "")
    context = {"form": form, "unit_q": unit_q, "units": _unit_search(scope, unit_q)}
    return render(request, "sites/site_form.html", context, status=status)


@login_required
@domain_errors
def site_edit(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    site = services.get_site_for_write(scope, code)
    with_unit = scope.is_organiser
    if request.method == "POST":
        form = SiteForm(request.POST, with_code=False, with_unit=with_unit)
        if form.is_valid():
            try:
                site = services.update_site(scope, code, form.values())
            except Invalid as exc:
                form.add_invalid(exc)
            else:
                messages.success(request, _("Site “%(name)s” was saved.") % {"name": site.name})
                return redirect("sites:detail", code=site.code)
    else:
        form = SiteForm(initial=initial_from(site), with_code=False, with_unit=with_unit)
    return render(request, "sites/site_form.html", {"form": form, "site": site})


@login_required
@require_GET
def site_export(request: HttpRequest, fmt: str) -> FileResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404(fmt)
    from diemcau.sites.exporting import export_sites

    out = BytesIO()
    rows = export_sites(scope_for(request.user), filters_from(request), fmt, out)
    record_export("sites", rows, scope=scope_for(request.user), detail=fmt)
    out.seek(0)
    name = f"diem-cau-{timezone.localdate():%Y%m%d}.{fmt}"
    return FileResponse(out, as_attachment=True, filename=name, content_type=EXPORT_TYPES[fmt])


@login_required
@require_GET
def site_template(request: HttpRequest) -> FileResponse:
    from diemcau.sites.exporting import write_template

    out = BytesIO()
    write_template(out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename="mau-diem-cau.xlsx", content_type=EXPORT_TYPES["xlsx"]
    )


@login_required
def site_import(request: HttpRequest) -> HttpResponse:
    """Upload a file; the import runs as a background task whose page shows progress and report."""
    scope = scope_for(request.user)
    if not scope.is_organiser:
        raise PermissionDenied(_("Only organisers may import sites."))
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            task = _start_import(request, form)
            return redirect("tasks:detail", task_id=task.pk)
    else:
        form = ImportForm()
    return render(request, "sites/site_import.html", {"form": form, "report": None})


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
        "sites.import",
        request.user.pk,
        {
            "path": str(path),
            "filename": upload.name,
            "dry_run": form.cleaned_data["dry_run"],
            "skip_bad": form.cleaned_data["skip_bad"],
        },
    )
