"""Catch-up API: the delegate's player (behind the personal link and its pass, like the rest of
/me) and the organisers' rule.

    GET  /api/v1/assessment/catchup/me/{token}/{conference_id}/recordings
    GET  /api/v1/assessment/catchup/me/{token}/recordings/{id}/playback
    POST /api/v1/assessment/catchup/me/{token}/recordings/{id}/watched   {"ranges": [[s, e], …]}
    GET  /api/v1/assessment/catchup/conferences/{conference_id}/rule
    PUT  /api/v1/assessment/catchup/conferences/{conference_id}/rule     {"percent", "enabled"}
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.access import get_conference
from diemcau.assessment.catchup import services
from diemcau.assessment.delegate import services as delegate_side
from diemcau.delegates.models import Delegate

router = Router()
me_router = Router(auth=None)


def _opened(request: HttpRequest, token: str) -> Delegate:
    return delegate_side.delegate_with_pass(token, request.COOKIES.get(delegate_side.COOKIE))


class CatchUpWatchedIn(Schema):
    ranges: list[list[float]] = Field(
        ..., max_length=500, description="Played ranges [start_s, end_s] of the recording"
    )


class CatchUpWatchedOut(Schema):
    recording: int
    watched_s: float
    duration_s: float
    percent: float
    counts: bool
    followed_by_recording: int


class CatchUpPlaybackOut(Schema):
    recording: int
    session_title: str
    urls: list[str]
    expires_in_s: int
    expires_at: datetime
    duration_s: float
    topics: list[dict[str, Any]]


class CatchUpRuleIn(Schema):
    percent: int = Field(80, ge=1, le=100)
    enabled: bool = True


class CatchUpRuleOut(Schema):
    conference: int
    enabled: bool
    percent: int


@me_router.get("/{token}/{conference_id}/recordings")
def recordings(request: HttpRequest, token: str, conference_id: int) -> list[dict[str, Any]]:
    """The conference's recordings, each topic's start, and the share this delegate watched."""
    delegate = _opened(request, token)
    get_conference(conference_id)
    return services.recordings_for(delegate, conference_id)


@me_router.get(
    "/{token}/recordings/{recording_id}/playback",
    response=CatchUpPlaybackOut,
    url_name="catchup_playback",
)
def playback(request: HttpRequest, token: str, recording_id: int) -> dict[str, Any]:
    """Signed, expiring URLs through the delegate's site's relays (the origin last)."""
    recording, found = services.playback_for(_opened(request, token), recording_id)
    return {
        "recording": recording.pk,
        "session_title": recording.session.title,
        "urls": found.urls,
        "expires_in_s": found.expires_in_s,
        "expires_at": found.expires_at,
        "duration_s": recording.duration_s,
        "topics": recording.topics,
    }


@me_router.post(
    "/{token}/recordings/{recording_id}/watched",
    response=CatchUpWatchedOut,
    url_name="catchup_watched",
)
def watched(
    request: HttpRequest, token: str, recording_id: int, data: CatchUpWatchedIn
) -> dict[str, Any]:
    """What the player has played so far (a snapshot: sending it again adds nothing)."""
    return services.report(_opened(request, token), recording_id, data.ranges)


@router.get("/conferences/{conference_id}/rule", response=CatchUpRuleOut)
def get_rule(request: HttpRequest, conference_id: int) -> dict[str, Any]:
    scope_for(request.user)
    get_conference(conference_id)
    rule = services.rule_of(conference_id)
    return {
        "conference": conference_id,
        "enabled": rule is not None,
        "percent": rule.percent if rule else 0,
    }


@router.put("/conferences/{conference_id}/rule", response=CatchUpRuleOut)
def put_rule(request: HttpRequest, conference_id: int, data: CatchUpRuleIn) -> dict[str, Any]:
    """Central organisers: watching ≥ percent % of a session's recording counts as following it."""
    rule = services.set_rule(
        scope_for(request.user), request.user, conference_id, data.percent, data.enabled
    )
    return {"conference": conference_id, "enabled": rule.enabled, "percent": rule.percent}
