"""The delegate's API behind the personal link (/api/v1/assessment/me/<token>/…), no account.

The token in the path names the delegate; the second factor is the pass cookie that
``POST /me/<token>/unlock`` (or the page /hoc-vien/<token>/xac-thuc/) sets once the last 4
digits of the CCCD were given (factor.py). No Django session and no CSRF token: the pass
is SameSite=Lax, so another site's POST or PUT does not carry it, and a phone that lost its
connection resends the same request and gets the same answer.
"""

import io
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.cookie import parse_cookie
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, UploadedFile

from diemcau.accounts.scopes import scope_for
from diemcau.assessment import links
from diemcau.assessment.certificates import services as certificates
from diemcau.assessment.delegate import factor as delegate_factor
from diemcau.assessment.delegate.access import (
    attempt_as_dict,
    conference_or_404,
    delegate_or_404,
    delegate_with_pass,
    give_pass,
    overview,
    wait_message,
)
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.reflections import services as reflections
from diemcau.delegates import badge_token
from diemcau.delegates.models import Delegate
from diemcau.netaddr import client_address

router = Router(auth=None)
# Mounted under /api/v1/assessment (signed-in callers): the links organisers and operators
# hand out to delegates.
links_router = Router()


class AnswersIn(Schema):
    answers: dict[str, list[int]] = {}


class ReportIn(Schema):
    answers: list[str]
    final: bool = False


class UnlockIn(Schema):
    digits: str


class UnlockOut(Schema):
    expires_in: int


def _opened(request: HttpRequest, token: str) -> Delegate:
    """The link's delegate, if this caller holds their pass (403 otherwise, 404 for a bad link)."""
    return delegate_with_pass(token, request.COOKIES.get(delegate_factor.COOKIE))


def _refusal(status: int, detail: str, **extra: Any) -> JsonResponse:
    """The API's one error shape (api_errors.ErrorOut), with this answer's extra figures."""
    return JsonResponse(
        {"detail": detail, "fields": extra.pop("fields", {}), **extra}, status=status
    )


@router.post("/{token}/unlock", response={200: UnlockOut})
def unlock(request: HttpRequest, token: str, data: UnlockIn) -> HttpResponse:
    """The second factor: the last 4 digits of the delegate's CCCD. Sets the pass cookie.

    403 for wrong digits (with the tries left), 429 while the delegate or this address has used
    up its tries (with the seconds to wait, also in Retry-After), 422 when it is not 4 digits.
    """
    delegate = delegate_or_404(token)
    if not delegate_factor.has_factor(delegate):
        return _refusal(
            403, _("This delegate has no national ID on file: ask the site's operator.")
        )
    outcome = delegate_factor.check(delegate, data.digits, client_address(request))
    if outcome.passed:
        seconds = int(delegate_factor.pass_hours() * 3600)
        return give_pass(JsonResponse({"expires_in": seconds}), delegate)
    if outcome.locked_for:
        detail = wait_message(outcome.locked_for)
        response = _refusal(429, detail, retry_after=outcome.locked_for)
        response["Retry-After"] = str(outcome.locked_for)
        return response
    if outcome.malformed:
        message = _("Enter exactly 4 digits.")
        return _refusal(422, message, fields={"digits": message})
    return _refusal(
        403,
        _("These digits do not match. Check your CCCD card and try again."),
        tries_left=outcome.tries_left,
    )


@router.get("/{token}/{conference_id}")
def me(request: HttpRequest, token: str, conference_id: int) -> dict[str, Any]:
    delegate = _opened(request, token)
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
    delegate = _opened(request, token)
    conference_or_404(conference_id)
    return attempt_as_dict(quiz.start_attempt(delegate, conference_id))


@router.put("/{token}/{conference_id}/attempts/{attempt_id}/answers")
def save(
    request: HttpRequest, token: str, conference_id: int, attempt_id: str, data: AnswersIn
) -> dict[str, Any]:
    attempt = quiz.save_answers(_opened(request, token), attempt_id, data.answers)
    return {"id": str(attempt.id), "saved": len(attempt.answers), "deadline": attempt.deadline}


@router.post("/{token}/{conference_id}/attempts/{attempt_id}/submit")
def submit(
    request: HttpRequest, token: str, conference_id: int, attempt_id: str, data: AnswersIn
) -> dict[str, Any]:
    delegate = _opened(request, token)
    attempt = quiz.submit_by_token(token, attempt_id, data.answers)
    if attempt is None:  # a bad attempt: the ordinary path says what is wrong
        attempt = quiz.submit(delegate, attempt_id, data.answers)
    return attempt_as_dict(attempt, with_questions=False)


@router.put("/{token}/{conference_id}/report")
def save_report(
    request: HttpRequest, token: str, conference_id: int, data: ReportIn
) -> dict[str, Any]:
    delegate = _opened(request, token)
    conference_or_404(conference_id)
    report = reflections.save_text(delegate, conference_id, data.answers, final=data.final)
    return {"status": report.status, "updated_at": report.updated_at}


@router.post("/{token}/{conference_id}/report/upload")
def upload_report(
    request: HttpRequest, token: str, conference_id: int, file: File[UploadedFile]
) -> dict[str, Any]:
    delegate = _opened(request, token)
    conference_or_404(conference_id)
    data = file.read(reflections.MAX_UPLOAD_BYTES + 1)
    report = reflections.upload(delegate, conference_id, file.name or "", data)
    return {"status": report.status, "file": report.file_name, "kind": report.file_kind}


@router.get("/{token}/{conference_id}/certificate.pdf")
def certificate(request: HttpRequest, token: str, conference_id: int) -> HttpResponse:
    delegate = _opened(request, token)
    conference_or_404(conference_id)
    cert = certificates.issue(delegate, conference_id)
    response = HttpResponse(
        certificates.pdf_of(cert, certificates.public_base_url(request)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = 'attachment; filename="giay-chung-nhan.pdf"'
    return response


# -- the submission in front of Django -------------------------------------------------------
# 2,000 submissions a second leave ~1 ms of a core each; Django's middleware, URL resolver and
# django-ninja cost more than that before the service starts (~0.7 ms here). So, as
# operations/fastpath does for heartbeats, a WSGI wrapper answers the plain case itself — a
# well-formed body whose token owns the attempt (quiz.submit_by_token) and whose pass cookie is
# the token's own delegate's — with the same JSON as the endpoint above. Anything else (no pass,
# a bad token, an unknown attempt, a malformed body or an answer refused) goes on to Django
# untouched, which says what is wrong: the service rolled back.
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


def _pass_matches(environ: dict[str, Any], token: str) -> bool:
    """Whether the request's pass cookie is for the very delegate and secret a link token names.

    A link token is "<code>.<secret digest>:<signature>" and a pass carries the same code and
    digest under its own MAC, so comparing them needs no query; the token's signature and the
    digest against the stored secret are then checked by submit_by_token (which returns None,
    and Django answers, for a forged one). A badge token carries a MAC instead of the digest:
    those go to Django, which checks the pass against the delegate row.
    """
    held = delegate_factor.read_pass(
        parse_cookie(environ.get("HTTP_COOKIE", "")).get(delegate_factor.COOKIE)
    )
    if held is None or token.startswith(f"{badge_token.PREFIX}:"):
        return False
    named, _sep, _signature = token.rpartition(":")
    return named == f"{held[0]}.{held[1]}"


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
            if found is not None and _pass_matches(environ, found.group(1)):
                body = _fast_submit(environ, found.group(1), found.group(2))
                if body is not None:
                    start_response(
                        "200 OK",
                        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                    )
                    return [body]
        return app(environ, start_response)

    return application


@links_router.get("/links")
def delegate_links(request: HttpRequest, site: str) -> list[dict[str, str]]:
    """Personal links of a site's delegates (operators and organisers of the site)."""
    return links.site_links(scope_for(request.user), site, certificates.public_base_url(request))
