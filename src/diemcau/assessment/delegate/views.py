"""The delegate's own pages behind the personal link /hoc-vien/<token>/ (no account).

Every page first wants the browser's pass (factor.py): without it, the delegate is sent to
/hoc-vien/<token>/xac-thuc/ to type the last four digits of their CCCD (or to be confirmed by a
signed-in operator of their site), then back to the page they asked for.

Forms work without JavaScript (each submit saves or submits through the same services as the
API); with it, the quiz page saves every answer as it is chosen and keeps unsent answers in the
phone's storage until the connection returns.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.assessment import conference_settings
from diemcau.assessment.catchup import services as catchup_side
from diemcau.assessment.certificates import services as certificates
from diemcau.assessment.delegate import factor as delegate_factor
from diemcau.assessment.delegate.access import (
    attempt_as_dict,
    conference_or_404,
    conferences,
    delegate_or_404,
    give_pass,
    overview,
    wait_message,
)
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.reflections import services as reflections
from diemcau.delegates.models import Delegate
from diemcau.errors import Invalid
from diemcau.netaddr import client_address
from diemcau.web.errors import domain_errors

DelegateView = Callable[..., HttpResponse]


def with_pass(view: DelegateView) -> DelegateView:
    """Resolve the link's delegate and call `view(request, delegate, token, ...)` only when the
    browser holds that delegate's pass; otherwise send it to the second-factor page.

    A GET comes back to the same page afterwards; a form sent without a pass (it expired) does
    nothing and comes back to the conference page, where the delegate sends it again.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse:
        delegate = delegate_or_404(token)
        if delegate_factor.pass_opens(request.COOKIES.get(delegate_factor.COOKIE), delegate):
            return view(request, delegate, token, **kwargs)
        if request.method == "GET":
            back = request.get_full_path()
        elif "conference_id" in kwargs:
            back = reverse(
                "learner:conference",
                kwargs={"token": token, "conference_id": kwargs["conference_id"]},
            )
        else:
            back = reverse("learner:home", kwargs={"token": token})
        unlock_url = reverse("learner:unlock", kwargs={"token": token})
        return redirect(f"{unlock_url}?{urlencode({'next': back})}")

    return wrapper


def _safe_next(request: HttpRequest, token: str) -> str:
    """Where to go after the factor: a delegate page on this host, else the delegate's home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/hoc-vien/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("learner:home", kwargs={"token": token})


@never_cache
@require_http_methods(["GET", "POST"])
@domain_errors
def unlock(request: HttpRequest, token: str) -> HttpResponse:
    """The second factor: the last 4 digits of the CCCD, or an operator's confirmation."""
    delegate = delegate_or_404(token)
    target = _safe_next(request, token)
    address = client_address(request)
    confirmer = delegate_factor.may_confirm(scope_for(request.user), delegate)
    error = ""
    status = 200
    if request.method == "POST":
        if "confirm" in request.POST and confirmer:
            return give_pass(redirect(target), delegate)
        outcome = delegate_factor.check(delegate, request.POST.get("digits", ""), address)
        if outcome.passed:
            return give_pass(redirect(target), delegate)
        if outcome.locked_for:
            error, status = wait_message(outcome.locked_for), 429
        elif outcome.malformed:
            error = _("Enter exactly 4 digits.")
        else:
            error = _("These digits do not match. Check your CCCD card and try again.")
    elif wait := delegate_factor.locked_for(delegate, address):
        error, status = wait_message(wait), 429
    response = render(
        request,
        "assessment/delegate_factor.html",
        {
            "token": token,
            "next": target,
            "error": error,
            "has_factor": delegate_factor.has_factor(delegate),
            "confirmer": confirmer,
            "delegate": delegate if confirmer else None,
        },
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(delegate_factor.locked_for(delegate, address) or 60)
    return response


@require_POST
def leave(request: HttpRequest, token: str) -> HttpResponse:
    """Forget the pass on this browser (a shared phone or the site's computer): the next person
    is asked for their own digits. A POST with CSRF, so another site cannot sign a delegate out."""
    response = redirect("learner:unlock", token=token)
    response.delete_cookie(delegate_factor.COOKIE, samesite="Lax")
    return response


def _answers_from(request: HttpRequest) -> dict[str, list[int]]:
    answers: dict[str, list[int]] = {}
    for key in request.POST:
        if key.startswith("q"):
            values = [v for v in request.POST.getlist(key) if v.isdigit()]
            answers[key[1:]] = [int(v) for v in values]
    return answers


@domain_errors
@with_pass
def home(request: HttpRequest, delegate: Delegate, token: str) -> HttpResponse:
    found = conferences()
    if len(found) == 1:
        return redirect("learner:conference", token=token, conference_id=found[0].pk)
    return render(
        request,
        "assessment/delegate_home.html",
        {"token": token, "delegate": delegate, "conferences": found},
    )


@domain_errors
@with_pass
def conference(
    request: HttpRequest, delegate: Delegate, token: str, conference_id: int
) -> HttpResponse:
    conf = conference_or_404(conference_id)
    context: dict[str, Any] = {
        "token": token,
        "conference": conf,
        **overview(delegate, conference_id),
    }
    context["certificate"] = certificates.valid_certificate(delegate, conference_id)
    context["recordings"] = catchup_side.recordings_for(delegate, conference_id)
    context["catchup_rule"] = catchup_side.rule_of(conference_id)
    return render(request, "assessment/delegate_page.html", context)


@never_cache
@domain_errors
@with_pass
def catchup(
    request: HttpRequest, delegate: Delegate, token: str, conference_id: int, recording_id: int
) -> HttpResponse:
    """A session's recording on the delegate's own page, from a topic's start (?t=seconds); the
    player reports what was played (catch-up API), which completion counts under the rule."""
    conf = conference_or_404(conference_id)
    mine = {r["id"]: r for r in catchup_side.recordings_for(delegate, conference_id)}
    if recording_id not in mine:
        raise Http404
    try:
        start = max(0, int(request.GET.get("t", "0")))
    except ValueError:
        start = 0
    recording = mine[recording_id]
    player = {
        "playback": reverse(
            "api:catchup_playback", kwargs={"token": token, "recording_id": recording_id}
        ),
        "watched": reverse(
            "api:catchup_watched", kwargs={"token": token, "recording_id": recording_id}
        ),
        "start": min(start, max(0, int(recording["duration_s"]) - 1)),
        "report_s": 30,
    }
    return render(
        request,
        "assessment/delegate_catchup.html",
        {
            "token": token,
            "conference": conf,
            "recording": recording,
            "player": player,
            "rule": catchup_side.rule_of(conference_id),
        },
    )


@require_POST
@domain_errors
@with_pass
def start(request: HttpRequest, delegate: Delegate, token: str, conference_id: int) -> HttpResponse:
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
@with_pass
def attempt(
    request: HttpRequest, delegate: Delegate, token: str, conference_id: int, attempt_id: str
) -> HttpResponse:
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
@with_pass
def report(
    request: HttpRequest, delegate: Delegate, token: str, conference_id: int
) -> HttpResponse:
    conf = conference_or_404(conference_id)
    settings = conference_settings.settings_for(conference_id)
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
@with_pass
def certificate(
    request: HttpRequest, delegate: Delegate, token: str, conference_id: int
) -> HttpResponse:
    conference_or_404(conference_id)
    try:
        cert = certificates.issue(delegate, conference_id)
    except Invalid as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(
        certificates.pdf_of(cert, certificates.public_base_url(request)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = 'attachment; filename="giay-chung-nhan.pdf"'
    return response
