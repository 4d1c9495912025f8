"""Operations that act: the sites to call (list and export), the map of provinces and a node's
breakdown. Thin views: the lists come from `callsheet` and `cartogram`, scoped there."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import scope_for
from diemcau.audit.services import record_export
from diemcau.operations import callsheet, cartogram, clock, exporting, incidents
from diemcau.web.errors import domain_errors

PER_PAGE = 50


def _filters(request: HttpRequest) -> callsheet.CallFilters:
    get = request.GET
    return callsheet.CallFilters.clean(
        state=get.get("state"),
        province=get.get("province"),
        unit=get.get("unit"),
        q=get.get("q"),
        sort=get.get("sort"),
    )


def _moment(now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, tz=dt.UTC)


@require_GET
@login_required
@domain_errors
def site_list(request: HttpRequest) -> HttpResponse:
    """Every site in trouble or never connected, by name, with whom to call and their phone."""
    scope = scope_for(request.user)
    filters = _filters(request)
    now = clock.now()
    counts = callsheet.state_counts(scope, filters, now)
    paginator = Paginator(callsheet.call_rows(scope, filters, now), PER_PAGE)
    paginator.count = counts[filters.state]  # counted above: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    export_query = query.urlencode()
    query.pop("state", None)
    return render(
        request,
        "operations/sites.html",
        {
            "page": page,
            "rows": callsheet.shape(page.object_list, now),
            "filters": filters,
            "counts": counts,
            "tabs": [(s, callsheet.STATE_LABELS[s], counts[s]) for s in callsheet.STATES],
            "sorts": list(callsheet.SORT_LABELS.items()),
            "provinces": incidents.province_choices(scope),
            "now": _moment(now),
            "export_query": export_query,
            "tab_query": query.urlencode(),
        },
    )


@require_GET
@login_required
@domain_errors
def site_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The same list, every row, as XLSX or CSV for the phone bank."""
    if fmt not in exporting.FORMATS:
        raise Http404(fmt)
    scope = scope_for(request.user)
    data, rows = exporting.export(scope, _filters(request), clock.now(), fmt)
    record_export("operations-sites", rows, scope=scope, detail=fmt)
    name = f"diem-cau-can-goi-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    response = HttpResponse(data, content_type=exporting.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
@domain_errors
def province_map(request: HttpRequest) -> HttpResponse:
    """The 34 provinces as tiles coloured by their share of sites online."""
    scope = scope_for(request.user)
    tiles = cartogram.tiles(scope, clock.now())
    return render(
        request,
        "operations/map.html",
        {
            "tiles": tiles,
            "rows": max(t.row for t in tiles),
            "bands": [(band, label) for _limit, band, label in cartogram.BANDS],
            "now": _moment(clock.now()),
        },
    )


@require_GET
@login_required
@domain_errors
def breakdown(request: HttpRequest, code: str) -> HttpResponse:
    """One node's child units (a province's communes) with their counts: search and sort."""
    data = cartogram.breakdown(
        scope_for(request.user),
        code,
        clock.now(),
        q=request.GET.get("q", "").strip()[:100],
        sort=request.GET.get("sort"),
    )
    return render(
        request,
        "operations/breakdown.html",
        {**data, "sorts": list(cartogram.BREAKDOWN_SORT_LABELS.items())},
    )
