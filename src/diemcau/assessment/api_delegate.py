"""The delegate's API behind the personal link (/api/v1/assessment/me/<token>/…), no account.

The token in the path is the only credential, so these endpoints carry no session and no CSRF:
a phone that lost its connection resends the same request and gets the same answer.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, UploadedFile

from diemcau.assessment import certificates, quiz, reflections
from diemcau.assessment.delegate_access import (
    attempt_as_dict,
    conference_or_404,
    delegate_or_404,
    overview,
)

router = Router(auth=None)


class AnswersIn(Schema):
    answers: dict[str, list[int]] = {}


class ReportIn(Schema):
    answers: list[str]
    final: bool = False


@router.get("/{token}/{conference_id}")
def me(request: HttpRequest, token: str, conference_id: int) -> dict[str, Any]:
    delegate = delegate_or_404(token)
    conference_or_404(conference_id)
    view = overview(delegate, conference_id)
    report = view["report"]
    return {
        "delegate": view["delegate"],
        "attempts": [attempt_as_dict(a, with_questions=False) for a in view["attempts"]],
        "attempts_left": view["attempts_left"],
        "passed": view["passed"],
        "report": {
            "status": report.status,
            "answers": report.answers,
            "score": report.score,
            "comment": report.comment if report.status == "graded" else "",
        },
        "completion": view["status"].as_dict(),
    }


@router.post("/{token}/{conference_id}/attempts")
def start(request: HttpRequest, token: str, conference_id: int) -> dict[str, Any]:
    delegate = delegate_or_404(token)
    conference_or_404(conference_id)
    return attempt_as_dict(quiz.start_attempt(delegate, conference_id))


@router.put("/{token}/{conference_id}/attempts/{attempt_id}/answers")
def save(
    request: HttpRequest, token: str, conference_id: int, attempt_id: str, data: AnswersIn
) -> dict[str, Any]:
    attempt = quiz.save_answers(delegate_or_404(token), attempt_id, data.answers)
    return {"id": str(attempt.id), "saved": len(attempt.answers), "deadline": attempt.deadline}


@router.post("/{token}/{conference_id}/attempts/{attempt_id}/submit")
def submit(
    request: HttpRequest, token: str, conference_id: int, attempt_id: str, data: AnswersIn
) -> dict[str, Any]:
    attempt = quiz.submit(delegate_or_404(token), attempt_id, data.answers)
    return attempt_as_dict(attempt, with_questions=False)


@router.put("/{token}/{conference_id}/report")
def save_report(
    request: HttpRequest, token: str, conference_id: int, data: ReportIn
) -> dict[str, Any]:
    delegate = delegate_or_404(token)
    conference_or_404(conference_id)
    report = reflections.save_text(delegate, conference_id, data.answers, final=data.final)
    return {"status": report.status, "updated_at": report.updated_at}


@router.post("/{token}/{conference_id}/report/upload")
def upload_report(
    request: HttpRequest, token: str, conference_id: int, file: File[UploadedFile]
) -> dict[str, Any]:
    delegate = delegate_or_404(token)
    conference_or_404(conference_id)
    data = file.read(reflections.MAX_UPLOAD_BYTES + 1)
    report = reflections.upload(delegate, conference_id, file.name or "", data)
    return {"status": report.status, "file": report.file_name, "kind": report.file_kind}


@router.get("/{token}/{conference_id}/certificate.pdf")
def certificate(request: HttpRequest, token: str, conference_id: int) -> HttpResponse:
    delegate = delegate_or_404(token)
    conference_or_404(conference_id)
    cert = certificates.issue(delegate, conference_id)
    response = HttpResponse(certificates.pdf_of(cert), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="giay-chung-nhan.pdf"'
    return response
