"""The operations dashboard page: the figures come from the status API, polled every few seconds."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from diemcau.accounts.scopes import scope_for
from diemcau.operations import callsheet, health, rollup
from diemcau.operations.models import LiveState
from diemcau.web.errors import domain_errors

REFRESH_S = 5


@require_GET
@login_required
@domain_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    unit = rollup.dashboard_unit(scope_for(request.user), request.GET.get("unit"))
    config = {
        "unit": unit.code,
        "api": reverse("api:get_status"),
        "page": reverse("operations:dashboard"),
        "site": reverse("sites:detail", args=["__code__"]),
        "refresh": REFRESH_S,
        "lang": get_language() or "vi",
        "states": {s.value: str(s.label) for s in LiveState},
        "reasons": callsheet.reason_labels(),
        "none": _("No site in trouble."),
        "up": _("Up to"),
        "updated": _("Updated at"),
    }
    return render(
        request,
        "operations/dashboard.html",
        {
            "unit": unit,
            "config": config,
            "refresh_s": REFRESH_S,
            "offline_after_s": int(health.OFFLINE_AFTER_S),
        },
    )
