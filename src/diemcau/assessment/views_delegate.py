"""The delegate's own pages behind the personal link /hoc-vien/<token>/ (no account).

Forms work without JavaScript (each submit saves or submits through the same services as the
API); with it, the quiz page saves every answer as it is chosen and keeps unsent answers in the
phone's storage until the connection returns.
"""

from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.assessment import certificates, quiz, reflections
from diemcau.assessment.delegate_access import (
    attempt_as_dict,
    conference_or_404,
    conferences,
    delegate_or_404,
    overview,
)
from diemcau.errors import Invalid
from diemcau.web.errors import domain_errors


def _answers_from(request: HttpRequest) -> dict[str, list[int]]:
    answers: dict[str, list[int]] = {}
    for key in request.POST:
        if key.startswith("q"):
            values = [v for v in request.POST.getlist(key) if v.isdigit()]
            answers[key[1:]] = [int(v) for v in values]
    return answers


@domain_errors
def home(request: HttpRequest, token: str) -> HttpResponse:
    delegate = delegate_or_404(token)
    found = conferences()
    if len(found) == 1:
        return redirect("learner:conference", token=token, conference_id=found[0].pk)
    return render(
        request,
        "assessment/delegate_home.html",
        {"token": token, "delegate": delegate, "conferences": found},
    )


@domain_errors
def conference(request: HttpRequest, token: str, conference_id: int) -> HttpResponse:
    delegate = delegate_or_404(token)
    conf = conference_or_404(conference_id)
    context: dict[str, Any] = {
        "token": token,
        "conference": conf,
        **overview(delegate, conference_id),
    }
    context["certificate"] = certificates.valid_certificate(delegate, conference_id)
    return render(request, "assessment/delegate_page.html", context)


@require_POST
@domain_errors
def start(request: HttpRequest, token: str, conference_id: int) -> HttpResponse:
    delegate = delegate_or_404(token)
    conference_or_404(conference_id)
    try:
        attempt = quiz.start_attempt(delegate, conference_id)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect("learner:conference", token=token, conference_id=conference_id)
    return redirect(
        "learner:attempt", token=token, conference_id=conference_id, attempt_id=attempt.id
    )


@domain_errors
def attempt(request: HttpRequest, token: str, conference_id: int, attempt_id: str) -> HttpResponse:
    delegate = delegate_or_404(token)
    conf = conference_or_404(conference_id)
    found = quiz.get_attempt(delegate, attempt_id)
    quiz.expire_if_due(found)
    if request.method == "POST":
        found = quiz.submit(delegate, attempt_id, _answers_from(request))
        return redirect(
            "learner:attempt", token=token, conference_id=conference_id, attempt_id=found.id
        )
    return render(
        request,
        "assessment/attempt.html",
        {"token": token, "conference": conf, "attempt": found, "data": attempt_as_dict(found)},
    )


@domain_errors
def report(request: HttpRequest, token: str, conference_id: int) -> HttpResponse:
    delegate = delegate_or_404(token)
    conf = conference_or_404(conference_id)
    settings = quiz.settings_for(conference_id)
    if request.method == "POST":
        try:
            upload = request.FILES.get("file")
            if isinstance(upload, UploadedFile):
                reflections.upload(
                    delegate,
                    conference_id,
                    upload.name or "",
                    upload.read(reflections.MAX_UPLOAD_BYTES + 1),
                )
            else:
                texts = [
                    request.POST.get(f"a{i}", "") for i in range(len(settings.prompts or [""]))
                ]
                reflections.save_text(
                    delegate, conference_id, texts, final="submit" in request.POST
                )
            messages.success(request, _("Saved."))
        except Invalid as exc:
            messages.error(request, exc.message)
        return redirect("learner:report", token=token, conference_id=conference_id)
    found = reflections.reflection_of(delegate, conference_id)
    prompts = settings.prompts or [_("What you learned and how you will apply it")]
    items = [
        (i, p, found.answers[i] if i < len(found.answers) else "") for i, p in enumerate(prompts)
    ]
    return render(
        request,
        "assessment/report.html",
        {
            "token": token,
            "conference": conf,
            "report": found,
            "items": items,
            "settings": settings,
            "max_mb": reflections.MAX_UPLOAD_BYTES // 2**20,
        },
    )


@domain_errors
def certificate(request: HttpRequest, token: str, conference_id: int) -> HttpResponse:
    delegate = delegate_or_404(token)
    conference_or_404(conference_id)
    try:
        cert = certificates.issue(delegate, conference_id)
    except Invalid as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(certificates.pdf_of(cert), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="giay-chung-nhan.pdf"'
    return response
