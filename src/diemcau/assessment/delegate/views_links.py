"""Organisers' and operators' page for delegates' personal links: pick a site, print its
sheet (PDF with a QR code per delegate) or download it (XLSX).

Thin: sheets.py scopes the site and refuses an address no phone can open; a refusal becomes a
message on the page, a site outside the caller's scope is 404.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from diemcau import publicurl
from diemcau.accounts.scopes import scope_for
from diemcau.assessment.delegate import sheets
from diemcau.audit.services import record_event
from diemcau.errors import Invalid
from diemcau.sites.models import Site
from diemcau.web.errors import domain_errors


@login_required
@require_GET
@domain_errors
def page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    sheets.require_link_manager(scope)
    base = publicurl.base(request)
    own = Site.objects.filter(pk__in=scope.operator_site_ids).order_by("code")
    context: dict[str, Any] = {
        "site": request.GET.get("site", "").strip(),
        "own_sites": list(own[:50]),
        "base": base,
        "refusal": sheets.refusal(base),
        "warning": publicurl.warning(request),
    }
    return render(request, "assessment/link_sheets.html", context)


def _sheet(request: HttpRequest, kind: str) -> HttpResponse:
    scope = scope_for(request.user)
    code = request.GET.get("site", "").strip()
    try:
        sheet = sheets.site_sheet(scope, code, publicurl.base(request))
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('assessment:links')}?{urlencode({'site': code})}")
    if kind == "pdf":
        data, content_type = sheets.to_pdf(sheet), "application/pdf"
    else:
        data, content_type = sheets.to_xlsx(sheet), sheets.XLSX_TYPE
    filename = f"duong-dan-hoc-vien-{sheet.site.code}.{kind}"
    record_event(
        "export",
        "delegates",
        unit=sheet.site.unit_id,
        counts={"delegates": len(sheet.lines)},
        detail=filename,
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal links: not kept by a shared browser
    return response


@login_required
@require_GET
@domain_errors
def sheet_pdf(request: HttpRequest) -> HttpResponse:
    return _sheet(request, "pdf")


@login_required
@require_GET
@domain_errors
def sheet_xlsx(request: HttpRequest) -> HttpResponse:
    return _sheet(request, "xlsx")
