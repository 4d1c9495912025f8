"""The delegate's side, behind their personal link: what their page and API both call.

The link (or badge QR) names the delegate; their pages open only for a browser that also holds
their pass (factor.py: the last four digits of their CCCD, typed once a day).
"""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diemcau.assessment import conference_settings
from diemcau.assessment.completion import services as completion
from diemcau.assessment.delegate import factor as delegate_factor
from diemcau.assessment.links import delegate_for
from diemcau.assessment.models import AssessmentSettings, Attempt
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.reflections import services as reflections
from diemcau.delegates.models import Delegate
from diemcau.errors import Forbidden, NotFound
from diemcau.programme.models import Conference


def delegate_or_404(token: str) -> Delegate:
    delegate = delegate_for(token)
    if delegate is None:
        raise NotFound(_("This link is not valid. Ask your site's organiser for a new one."))
    return delegate


def delegate_with_pass(token: str, pass_value: str | None) -> Delegate:
    """The delegate a token names, if `pass_value` (the browser's pass cookie) opens them.

    NotFound for a bad link (as before); Forbidden when the second factor is missing, expired
    or another delegate's.
    """
    delegate = delegate_or_404(token)
    if not delegate_factor.pass_opens(pass_value, delegate):
        raise Forbidden(
            _("Confirm it is you first: enter the last 4 digits of your national ID (CCCD).")
        )
    return delegate


def give_pass(response: HttpResponse, delegate: Delegate) -> HttpResponse:
    """Set the delegate's pass cookie on a response (page or API): HttpOnly, for the day, and
    SameSite=Lax so that another site's form or script cannot send it with a write."""
    response.set_cookie(
        delegate_factor.COOKIE,
        delegate_factor.issue_pass(delegate),
        max_age=int(delegate_factor.pass_hours() * 3600),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
    return response


def wait_message(seconds: int) -> str:
    """What a locked-out delegate reads: how many minutes until they may try again."""
    minutes = delegate_factor.minutes(seconds)
    return ngettext(
        "Too many wrong answers. Try again in %(minutes)d minute.",
        "Too many wrong answers. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def conferences() -> list[Conference]:
    """Conferences with a quiz or a learning report set up, newest first."""
    ids = AssessmentSettings.objects.values("conference_id")
    return list(Conference.objects.filter(pk__in=ids).order_by("-starts_on", "pk"))


def conference_or_404(conference_id: int) -> Conference:
    conference = Conference.objects.filter(
        pk=conference_id, pk__in=AssessmentSettings.objects.values("conference_id")
    ).first()
    if conference is None:
        raise NotFound(_("Conference not found."))
    return conference


def attempt_as_dict(attempt: Attempt, with_questions: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(attempt.id),
        "number": attempt.number,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "submitted_at": attempt.submitted_at,
        "auto_submitted": attempt.auto_submitted,
        "answers": attempt.answers,
    }
    if attempt.submitted_at is not None:
        data.update(score=attempt.score, max_score=attempt.max_score, passed=attempt.passed)
    if with_questions:
        data["questions"] = quiz.questions_for(attempt)
    return data


def overview(delegate: Delegate, conference_id: int) -> dict[str, Any]:
    """Everything the delegate's page shows; expired attempts are submitted on the way."""
    conf = conference_settings.settings_for(conference_id)
    attempts = quiz.attempts_of(delegate, conference_id)
    for attempt in attempts:
        quiz.expire_if_due(attempt)
    report = reflections.reflection_of(delegate, conference_id)
    return {
        "delegate": {"code": delegate.code, "name": delegate.full_name, "site": delegate.site.name},
        "settings": conf,
        "attempts": attempts,
        "running": next((a for a in attempts if a.submitted_at is None), None),
        "attempts_left": max(0, conf.max_attempts - len(attempts)),
        "passed": any(a.passed for a in attempts),
        "report": report,
        "status": completion.status_of(delegate, conference_id),
    }
