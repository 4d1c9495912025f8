"""Pages of the administrative tree: search with or without diacritics, and one unit."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from diemcau.accounts.scopes import scope_for
from diemcau.sites.services import SiteFilters, visible_sites
from diemcau.units.models import Level
from diemcau.units.services import get_unit, search_units

PER_PAGE = 50


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    if level not in Level.values:
        level = ""
    units = search_units(q, level=level or None).select_related("parent")
    page = Paginator(units, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "units/unit_list.html",
        {"page": page, "q": q, "level": level, "levels": Level.choices},
    )


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit(code)
    if unit is None:
        raise Http404(code)
    children = search_units(parent=unit).order_by("code")
    sites = visible_sites(scope_for(request.user), SiteFilters(unit=unit.code))
    return render(
        request,
        "units/unit_detail.html",
        {"unit": unit, "children": children, "site_count": sites.count()},
    )
