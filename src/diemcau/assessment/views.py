"""Organisers' pages of the app itself: the conferences and a conference's settings with its bank.

Thin: services.py decides scope (404 outside, 403 for a write not allowed); the pages of the
quiz bank, learning reports, certificates and completion live in their sub-packages.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import scope_for
from diemcau.assessment import services
from diemcau.assessment.access import (
    get_conference,
    require_organiser,
)
from diemcau.assessment.quiz import services as bank
from diemcau.errors import Invalid
from diemcau.programme.models import Conference
from diemcau.web.errors import domain_errors

INT_FIELDS = (
    "draw_size",
    "time_limit_minutes",
    "pass_percent",
    "max_attempts",
    "min_chars",
    "max_chars",
    "report_max_score",
    "min_sessions",
)
TIME_FIELDS = ("opens_at", "closes_at", "report_due_at")
TEXT_FIELDS = ("certificate_title", "signer_name", "signer_title")


@login_required
@domain_errors
def conference_list(request: HttpRequest) -> HttpResponse:
    require_organiser(scope_for(request.user))
    return render(
        request,
        "assessment/conference_list.html",
        {"conferences": Conference.objects.order_by("-starts_on", "pk")},
    )


def _settings_from(post: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in INT_FIELDS:
        if post.get(key, "").strip().isdigit():
            values[key] = int(post[key])
    for key in TIME_FIELDS:
        text = post.get(key, "").strip()
        values[key] = parse_datetime(text) if text else None
    for key in TEXT_FIELDS:
        values[key] = post.get(key, "").strip()
    score = post.get("min_report_score", "").strip()
    values["min_report_score"] = int(score) if score.isdigit() else None
    values["require_quiz"] = bool(post.get("require_quiz"))
    values["prompts"] = [p for p in post.get("prompts", "").splitlines() if p.strip()]
    return values


@login_required
@domain_errors
def overview(request: HttpRequest, conference_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    conference = get_conference(conference_id)
    if request.method == "POST":
        try:
            services.update_settings(scope, conference_id, _settings_from(request.POST))
            messages.success(request, _("Saved."))
        except Invalid as exc:
            messages.error(request, exc.message)
        return redirect("assessment:overview", conference_id=conference_id)
    conf = services.read_settings(scope, conference_id)
    return render(
        request,
        "assessment/overview.html",
        {
            "conference": conference,
            "settings": conf,
            "prompts_text": "\n".join(conf.prompts or []),
            "questions": bank.bank(scope, conference_id),
            "can_edit": scope.everything,
        },
    )
