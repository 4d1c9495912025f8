"""Site links on the web: open one (no login), and the organisers' page to export and reissue."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from diemcau import publicurl
from diemcau.accounts.scopes import scope_for
from diemcau.audit.services import record_export
from diemcau.console import links
from diemcau.errors import Forbidden
from diemcau.web.errors import domain_errors


def _base(request: HttpRequest) -> str:
    """DIEMCAU_PUBLIC_URL, else the address this page was opened at (publicurl.py)."""
    return publicurl.base(request)


@require_GET
@never_cache
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """Log the browser in as the site's operator and open its console."""
    found = links.open_link(token)
    if found is None:
        return render(request, "console/link_invalid.html", status=403)
    user, site, version = found
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # SiteLinkSessionMiddleware ends this session once the site's link is reissued
    request.session[links.SESSION_KEY] = [site.pk, version]
    return redirect("console:site", code=site.code)


@require_GET
@login_required
@domain_errors
def links_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_organiser:
        raise Forbidden(_("Only organisers hand out site links."))
    unit = request.GET.get("unit", "").strip()
    context = {"unit": unit, "address_warning": publicurl.warning(request)}
    return render(request, "console/links.html", context)


@require_GET
@login_required
@domain_errors
def links_export(request: HttpRequest) -> HttpResponse:
    unit = request.GET.get("unit", "").strip() or None
    rows = links.links_for(scope_for(request.user), unit, _base(request), by=request.user)
    record_export("site_link", len(rows), scope=scope_for(request.user), detail=unit or "")
    response = HttpResponse(
        links.to_xlsx(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="duong-dan-diem-cau-{unit or "tat-ca"}-{stamp}.xlsx"'
    )
    return response


@require_POST
@login_required
@domain_errors
def links_reissue(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("code", "").strip()
    row = links.reissue(scope_for(request.user), code, _base(request), by=request.user)
    messages.success(
        request,
        _("New link for %(code)s (the old one no longer works): %(url)s")
        % {"code": row.code, "url": row.url},
    )
    return redirect("console:links")
