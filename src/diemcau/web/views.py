"""The start page: what the user can reach, and their sites counted by status."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diemcau.accounts.scopes import scope_for
from diemcau.sites.models import SiteStatus
from diemcau.sites.services import visible_sites


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    rows = visible_sites(scope).order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    by_status = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in SiteStatus.choices
    ]
    return render(
        request,
        "web/home.html",
        {
            "by_status": by_status,
            "total": sum(counts.values()),
            "can_read_sites": scope.site_read_q() is not None,
        },
    )
