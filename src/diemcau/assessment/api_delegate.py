"""The delegate's API behind the personal link (/api/v1/assessment/me/<token>/…), no account.

The token in the path is the only credential, so these endpoints carry no session and no CSRF:
a phone that lost its connection resends the same request and gets the same answer.
"""

import io
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
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
    attempt = quiz.submit_by_token(token, attempt_id, data.answers)
    if attempt is None:  # a bad link or attempt: the ordinary path says which
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


# -- the submission in front of Django -------------------------------------------------------
# 2,000 submissions a second leave ~1 ms of a core each; Django's middleware, URL resolver and
# django-ninja cost more than that before the service starts (~0.7 ms here). So, as
# operations/fastpath does for heartbeats, a WSGI wrapper answers the plain case itself — a
# well-formed body whose token owns the attempt (quiz.submit_by_token) — with the same JSON as
# the endpoint above. Anything else (a bad token, an unknown attempt, a malformed body or an
# answer refused) goes on to Django untouched, which says what is wrong: the service rolled back.
SUBMIT_PATH = re.compile(r"^/api/v1/assessment/me/([^/]+)/\d+/attempts/([^/]+)/submit$")
MAX_SUBMIT_BODY = 64 * 1024
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _plain_answers(body: bytes) -> dict[str, list[int]] | None:
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return None
    answers = data.get("answers", {}) if isinstance(data, dict) else None
    if not isinstance(answers, dict):
        return None
    for chosen in answers.values():
        if not isinstance(chosen, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in chosen
        ):
            return None
    return answers


def _fast_submit(environ: dict[str, Any], token: str, attempt_id: str) -> bytes | None:
    """The response body, or None to let Django answer (the body is kept for it)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > MAX_SUBMIT_BODY:
        return None
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    answers = _plain_answers(body)
    if answers is None:
        return None
    close_old_connections()
    try:
        attempt = quiz.submit_by_token(token, attempt_id, answers)
    except Exception:  # refused or failed: Django gives the real answer
        return None
    finally:
        close_old_connections()
    if attempt is None:
        return None
    data = attempt_as_dict(attempt, with_questions=False)
    return json.dumps(data, cls=DjangoJSONEncoder).encode()


def wrap_submit(app: WsgiApp) -> WsgiApp:
    """The WSGI application with quiz submissions answered in front of Django."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            found = SUBMIT_PATH.match(environ.get("PATH_INFO", ""))
            if found is not None:
                body = _fast_submit(environ, found.group(1), found.group(2))
                if body is not None:
                    start_response(
                        "200 OK",
                        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                    )
                    return [body]
        return app(environ, start_response)

    return application
