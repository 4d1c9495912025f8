"""The sector list pages: add, edit, deactivate. Central organisers only (403 for others)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.errors import Invalid
from diemcau.questions import services
from diemcau.questions.forms import SectorForm
from diemcau.questions.views.common import require
from diemcau.web.errors import domain_errors


@login_required
@domain_errors
def sector_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    require(scope.everything, _("Only central organisers may edit the sector list."))
    status = 200
    if request.method == "POST":
        form = SectorForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sector = services.create_sector(
                    scope, data["code"], data["name"], data["keywords"], data["order"]
                )
            except Invalid as exc:
                form.add_invalid(exc)
            else:
                messages.success(request, _("Sector “%(name)s” was added.") % {"name": sector})
                return redirect("questions:sectors")
        status = 422
    else:
        form = SectorForm()
    sectors = services.sectors(active_only=False)
    return render(
        request, "questions/sector_list.html", {"form": form, "sectors": sectors}, status=status
    )


@login_required
@domain_errors
def sector_edit(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    require(scope.everything, _("Only central organisers may edit the sector list."))
    sector = services.get_sector(scope, code)
    status = 200
    if request.method == "POST":
        form = SectorForm(request.POST, with_code=False)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_sector(scope, code, data["name"], data["keywords"], data["order"])
            except Invalid as exc:
                form.add_invalid(exc)
            else:
                messages.success(
                    request, _("Sector “%(name)s” was saved.") % {"name": data["name"]}
                )
                return redirect("questions:sectors")
        status = 422
    else:
        initial = {"name": sector.name, "keywords": sector.keywords, "order": sector.order}
        form = SectorForm(initial=initial, with_code=False)
    context = {"form": form, "sector": sector}
    return render(request, "questions/sector_form.html", context, status=status)


@login_required
@require_POST
@domain_errors
def sector_active(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    require(scope.everything, _("Only central organisers may edit the sector list."))
    sector = services.set_sector_active(scope, code, request.POST.get("active") == "1")
    done = (
        _("Sector “%(name)s” is active.")
        if sector.is_active
        else _("Sector “%(name)s” was deactivated.")
    )
    messages.success(request, done % {"name": sector.name})
    return redirect("questions:sectors")
