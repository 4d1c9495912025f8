"""Organisers' pages: the bank and settings, grading queue, completion, certificates.

Thin: each page asks the services, which decide scope (404 outside, 403 for a write not allowed).
"""

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.assessment import bank as bank_io
from diemcau.assessment import batch as batch_service
from diemcau.assessment import certificates, completion, reflections, services
from diemcau.assessment.access import (
    get_conference,
    grader_sites,
    require_central,
    require_organiser,
)
from diemcau.assessment.models import Certificate
from diemcau.audit.services import record_import
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
CONTENT_TYPE_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
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
            "questions": services.bank(scope, conference_id),
            "can_edit": scope.everything,
        },
    )


@login_required
@require_POST
@domain_errors
def import_bank(request: HttpRequest, conference_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    require_central(scope)
    conference = get_conference(conference_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
        return redirect("assessment:overview", conference_id=conference_id)
    report = bank_io.import_bank(
        conference,
        upload,
        upload.name or "",
        dry_run=bool(request.POST.get("dry_run")),
        skip_bad=bool(request.POST.get("skip_bad")),
    )
    record_import("quiz_bank", report, scope=scope, filename=upload.name or "")
    return render(
        request, "assessment/import_report.html", {"conference": conference, "report": report}
    )


@login_required
def template(request: HttpRequest) -> HttpResponse:
    out = io.BytesIO()
    bank_io.write_template(out)
    response = HttpResponse(out.getvalue(), content_type=bank_io.CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-ngan-hang-cau-hoi.xlsx"'
    return response


@login_required
@domain_errors
def report_file(request: HttpRequest, report_id: int) -> HttpResponse:
    report = reflections.get_report(scope_for(request.user), report_id)
    path = reflections.report_file(report)
    if path is None or not path.exists():
        raise Http404
    types = {"pdf": "application/pdf", "docx": CONTENT_TYPE_DOCX}
    response = HttpResponse(path.read_bytes(), content_type=types[report.file_kind])  # ≤ 5 MB
    response["Content-Disposition"] = f'attachment; filename="bai-thu-hoach.{report.file_kind}"'
    return response


@login_required
@domain_errors
def completion_page(request: HttpRequest, conference_id: int) -> HttpResponse:
    conference = get_conference(conference_id)
    data = completion.rates(scope_for(request.user), conference_id, request.GET.get("unit"))
    return render(request, "assessment/completion.html", {"conference": conference, "data": data})


@login_required
@domain_errors
def certificate_list(request: HttpRequest, conference_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    conference = get_conference(conference_id)
    certs = (
        Certificate.objects.filter(
            conference_id=conference_id, delegate__site__in=grader_sites(scope).values("pk")
        )
        .select_related("delegate", "delegate__site")
        .order_by("-pk")[:100]
    )
    return render(
        request, "assessment/certificates.html", {"conference": conference, "certificates": certs}
    )


@login_required
@require_POST
@domain_errors
def revoke(request: HttpRequest, certificate_id: int) -> HttpResponse:
    cert = certificates.revoke(
        scope_for(request.user), certificate_id, request.POST.get("reason", "")
    )
    messages.success(request, _("Certificate revoked."))
    return redirect("assessment:certificates", conference_id=cert.conference_id)


@login_required
@require_POST
@domain_errors
def reissue(request: HttpRequest, certificate_id: int) -> HttpResponse:
    cert = certificates.reissue(
        scope_for(request.user), certificate_id, request.POST.get("reason", "")
    )
    messages.success(request, _("Certificate reissued."))
    return redirect("assessment:certificates", conference_id=cert.conference_id)


@login_required
@domain_errors
def site_pdf(request: HttpRequest, conference_id: int) -> HttpResponse:
    code = request.GET.get("site", "").strip()
    try:
        data, _count = certificates.site_pdf(scope_for(request.user), conference_id, code)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect("assessment:certificates", conference_id=conference_id)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="giay-chung-nhan-{code}.pdf"'
    return response


@login_required
@require_POST
@domain_errors
def batch(request: HttpRequest, conference_id: int) -> HttpResponse:
    task = batch_service.start(
        scope_for(request.user), conference_id, request.POST.get("unit", "").strip()
    )
    return redirect("tasks:detail", task.pk)
