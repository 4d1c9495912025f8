"""The people page: who holds access in the organiser's scope, and taking it away.

Thin: every rule is in accounts/revocation.py. Each button is a POST form with CSRF and a
confirmation question (data-confirm, answered by web/static/diemcau/behaviours.js).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diemcau.accounts import revocation
from diemcau.accounts.scopes import scope_for
from diemcau.errors import Invalid
from diemcau.web.errors import domain_errors


def _back(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("q", "").strip()
    url = reverse("accounts:people")
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)


@require_GET
@login_required
@domain_errors
def people_page(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    site_accounts = request.GET.get("site_accounts") == "1"
    rows = revocation.people(scope_for(request.user), search, site_accounts=site_accounts)
    return render(
        request,
        "accounts/people.html",
        {
            "rows": rows,
            "q": search,
            "site_accounts": site_accounts,
            "limit": revocation.LIST_LIMIT,
            "me": request.user.pk,
        },
    )


@require_POST
@login_required
@domain_errors
def deactivate(request: HttpRequest, username: str) -> HttpResponse:
    ended = revocation.deactivate(scope_for(request.user), username, actor=request.user)
    messages.success(
        request,
        _("%(name)s is deactivated; %(count)d open session(s) ended.")
        % {"name": username, "count": ended},
    )
    return _back(request)


@require_POST
@login_required
@domain_errors
def activate(request: HttpRequest, username: str) -> HttpResponse:
    revocation.activate(scope_for(request.user), username, actor=request.user)
    messages.success(request, _("%(name)s is active again.") % {"name": username})
    return _back(request)


@require_POST
@login_required
@domain_errors
def remove_grant(request: HttpRequest, username: str, grant_id: int) -> HttpResponse:
    revocation.remove_grant(
        scope_for(request.user), username, grant_id=grant_id, actor=request.user
    )
    messages.success(request, _("Grant removed from %(name)s.") % {"name": username})
    return _back(request)


@require_POST
@login_required
@domain_errors
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = revocation.revoke_token(scope_for(request.user), token_id, actor=request.user)
    except Invalid as exc:
        messages.error(request, exc.message)
        return _back(request)
    messages.success(
        request,
        _("Token %(prefix)s… of %(name)s is revoked.")
        % {"prefix": token.prefix, "name": token.user.get_username()},
    )
    return _back(request)
