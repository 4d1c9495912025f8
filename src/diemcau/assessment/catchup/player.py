"""A delegate's own catch-up: the conference's recordings with what they watched of each, the
signed URLs to play one (through their site's relays), and their reports of what was played."""

from typing import Any

from django.utils.translation import gettext as _

from diemcau.assessment.catchup import followed, watching
from diemcau.assessment.catchup.models import CatchUpView
from diemcau.assessment.catchup.rule import rule_of
from diemcau.delegates.models import Delegate
from diemcau.errors import NotFound
from diemcau.streaming import recordings as streaming_recordings
from diemcau.streaming.models import Recording
from diemcau.streaming.services import Playback


def _recordings(conference_id: int) -> list[Recording]:
    # streaming.recordings.list_recordings wants a signed-in scope; a delegate has a link, and
    # recordings are part of the programme every delegate of the conference may watch.
    return list(
        Recording.objects.select_related("session")
        .filter(session__day__conference_id=conference_id)
        .order_by("session__day__date", "session__starts_at", "pk")
    )


def recordings_for(delegate: Delegate, conference_id: int) -> list[dict[str, Any]]:
    """Each recording of the conference with its topics and the share this delegate watched."""
    found = _recordings(conference_id)
    seen = dict(
        CatchUpView.objects.filter(
            delegate=delegate, recording_id__in=[r.pk for r in found]
        ).values_list("recording_id", "watched_s")
    )
    rule = rule_of(conference_id)
    out = []
    for r in found:
        seconds = seen.get(r.pk, 0.0)
        share = min(1.0, seconds / r.duration_s) if r.duration_s else 0.0
        out.append(
            {
                "id": r.pk,
                "session": r.session_id,
                "session_title": r.session.title,
                "duration_s": r.duration_s,
                "minutes": round(r.duration_s / 60),
                "topics": r.topics,
                "watched_s": seconds,
                "watched_minutes": round(seconds / 60, 1),
                "percent": round(share * 100),
                "counts": rule is not None and share * 100 >= rule.percent,
            }
        )
    return out


def _recording(recording_id: int) -> Recording:
    recording: Recording = streaming_recordings.get_recording(recording_id)
    return recording


def playback_for(delegate: Delegate, recording_id: int) -> tuple[Recording, Playback]:
    """Signed, expiring URLs of a recording for the delegate's own site's relays."""
    recording = _recording(recording_id)
    if delegate.site_id is None:
        raise NotFound(_("No such recording."))
    return recording, streaming_recordings.recording_playback_for_site(delegate.site, recording)


def report(delegate: Delegate, recording_id: int, ranges: list[list[float]]) -> dict[str, Any]:
    """The player's report of what was played (see watching.py); saving it marks the completion
    counters of the delegate's site stale (completion/signals.py)."""
    recording = _recording(recording_id)
    seconds, length = watching.record(
        delegate.pk, recording.pk, recording.session_id, recording.duration_s, ranges
    )
    conference_id = recording.session.day.conference_id
    rule = rule_of(conference_id)
    share = min(1.0, seconds / length) if length else 0.0
    return {
        "recording": recording.pk,
        "watched_s": seconds,
        "duration_s": length,
        "percent": round(share * 100, 1),
        "counts": rule is not None and share * 100 >= rule.percent,
        "followed_by_recording": followed.caught_up([delegate.pk], conference_id).get(
            delegate.pk, 0
        ),
    }
