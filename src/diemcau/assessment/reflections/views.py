"""Graders' pages: the queue (assigned first), batch assignment, settling, send to questions.

Thin: grading.py and forwarding.py decide scope and rules; a refusal becomes a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.access import get_conference
from diemcau.assessment.conference_settings import settings_for
from diemcau.assessment.models import ReportStatus
from diemcau.assessment.reflections import forwarding, grading
from diemcau.assessment.reflections import reports as reflections
from diemcau.errors import Invalid
from diemcau.web.errors import domain_errors


def _int(text: str | None, default: int = -1) -> int:
    text = (text or "").strip()
    return int(text) if text.isdigit() else default


@login_required
@domain_errors
def queue(request: HttpRequest, conference_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    conference = get_conference(conference_id)
    grading.require_grader(scope)
    conf = settings_for(conference_id)
    mine = request.GET.get("mine") == "1"
    items = grading.queue(scope, conference_id, mine=mine)[:50]
    return render(
        request,
        "assessment/grading.html",
        {
            "conference": conference,
            "settings": conf,
            "mine": mine,
            "me": scope.user_id,
            "items": [reflections.report_as_dict(r, conf.prompts) for r in items],
            "disputed": [
                reflections.report_as_dict(r, conf.prompts)
                for r in grading.disputed(scope, conference_id)[:50]
            ],
        },
    )


def _back(conference_id: int, request: HttpRequest) -> HttpResponse:
    mine = "?mine=1" if request.POST.get("mine") == "1" else ""
    return redirect(reverse("assessment:grading", args=[conference_id]) + mine)


@login_required
@require_POST
@domain_errors
def grade(request: HttpRequest, report_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    report = reflections.get_report(scope, report_id)
    try:
        done = grading.grade(
            scope, report_id, _int(request.POST.get("score")), request.POST.get("comment", "")
        )
        notes = {
            ReportStatus.SECOND: _("Below the pass mark: the report goes to a second reader."),
            ReportStatus.DISPUTED: _("The two readings differ too much: an organiser settles it."),
        }
        messages.success(request, notes.get(ReportStatus(done.status), _("Graded.")))
    except Invalid as exc:
        messages.error(request, exc.message)
    return _back(report.conference_id, request)


@login_required
@require_POST
@domain_errors
def settle(request: HttpRequest, report_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    report = reflections.get_report(scope, report_id)
    try:
        grading.settle(
            scope, report_id, _int(request.POST.get("score")), request.POST.get("comment", "")
        )
        messages.success(request, _("Settled."))
    except Invalid as exc:
        messages.error(request, exc.message)
    return _back(report.conference_id, request)


@login_required
@require_POST
@domain_errors
def send_question(request: HttpRequest, report_id: int, index: int) -> HttpResponse:
    scope = scope_for(request.user)
    report = reflections.get_report(scope, report_id)
    try:
        _sent, made = forwarding.send_to_questions(scope, request.user, report_id, index)
        messages.success(
            request, _("Sent to the questions.") if made else _("Already sent to the questions.")
        )
    except Invalid as exc:
        messages.error(request, exc.message)
    return _back(report.conference_id, request)


@login_required
@domain_errors
def assign(request: HttpRequest, conference_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    conference = get_conference(conference_id)
    graders = grading.loads(scope, conference_id)  # 404 for who grades nothing
    if request.method == "POST":
        selection = grading.Selection(
            count=_int(request.POST.get("count"), 0),
            stage=request.POST.get("stage", ReportStatus.SUBMITTED),
            site=request.POST.get("site", ""),
            unit=request.POST.get("unit", ""),
            reassign=bool(request.POST.get("reassign")),
        )
        ids = [_int(v) for v in request.POST.getlist("graders")]
        try:
            result = grading.assign(scope, conference_id, selection, ids)
            messages.success(
                request,
                _("Assigned %(n)s reports; %(skipped)s left (no chosen grader may read them).")
                % {"n": sum(result.assigned.values()), "skipped": result.skipped},
            )
        except Invalid as exc:
            messages.error(request, exc.message)
        return redirect("assessment:assign", conference_id=conference_id)
    return render(
        request,
        "assessment/assign.html",
        {
            "conference": conference,
            "graders": graders,
            "rule": grading.rule_as_dict(settings_for(conference_id)),
            "can_edit_rule": scope.everything,
            "stages": [ReportStatus.SUBMITTED, ReportStatus.SECOND],
        },
    )


@login_required
@require_POST
@domain_errors
def rule(request: HttpRequest, conference_id: int) -> HttpResponse:
    try:
        grading.update_rule(
            scope_for(request.user),
            conference_id,
            second_reading=bool(request.POST.get("second_reading")),
            gap=_int(request.POST.get("second_reading_gap"), 2),
        )
        messages.success(request, _("Saved."))
    except Invalid as exc:
        messages.error(request, exc.message)
    return redirect("assessment:assign", conference_id=conference_id)


CONTENT_TYPE_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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
