"""Session recordings: a session's live segments as a video on demand, for sites and delegates.

Made when a session ends (`record_ended_sessions`, run by the ingest and by
`diemcau stream recordings make`) or by an organiser: the segments whose wall time falls in the
session are read from the ingest's journal (dvr.py), hard-linked into the recording's folder and
listed in a VOD playlist per rendition. Nothing is re-encoded or even read: a 4-hour session is
~7,200 links and lines per rendition, well under a second. The hard links keep the files alive
when the ingest prunes the live folder, and cost no disk space of their own.

The folder sits beside the streams' folders under the HLS root and its name takes a stream's
place in signed URLs, so the origin and the relays serve and cache a recording exactly like the
live stream: through the site's relays in failover order, with expiring URLs per site.
"""

import datetime as dt
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.audit.services import record_event
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.programme.models import Session, SessionKind
from diemcau.sites import services as sites
from diemcau.sites.models import Site
from diemcau.streaming import conf, services, signing
from diemcau.streaming.dvr import cut
from diemcau.streaming.models import Recording, Stream


def topic_offsets(session: Session, started_at: dt.datetime, duration_s: float) -> list[dict]:
    """Where each topic starts in the recording: the session's planned start, then the topics
    in programme order, each after the planned minutes of the ones before it."""
    planned_start, _end = session.bounds()
    offset = max(0.0, (planned_start - started_at).total_seconds())
    last = max(0.0, duration_s - 1)
    out = []
    for topic in session.topics.order_by("order", "number", "pk"):
        out.append(
            {
                "topic": topic.pk,
                "number": topic.number,
                "title": topic.title,
                "offset_s": int(min(offset, last)),
            }
        )
        offset += topic.planned_minutes * 60
    return out


def _require_manager(scope: Scope) -> None:
    """Streaming is run centrally: only a central organiser makes, keeps or deletes recordings."""
    if not scope.everything:
        raise Forbidden(_("Only central organisers manage recordings."))


def _stream_for(session: Session, stream_name: str | None) -> Stream:
    if stream_name:
        return services.current_stream(stream_name)
    own = Stream.objects.filter(conference_id=session.day.conference_id).order_by("pk").first()
    return own or services.current_stream()


def make_recording(
    scope: Scope,
    session_id: int,
    stream_name: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    *,
    hls_root: Path | None = None,
) -> Recording:
    """Cut a session's recording from its stream's segments (by default its planned times)."""
    _require_manager(scope)
    session = Session.objects.select_related("day").filter(pk=session_id).first()
    if session is None:
        raise NotFound(_("No such session."))
    recording = _make(session, _stream_for(session, stream_name), start, end, hls_root)
    if recording is not None and scope.user_id:
        Recording.objects.filter(pk=recording.pk).update(created_by_id=scope.user_id)
        recording.created_by_id = scope.user_id
    if recording is None:
        raise Invalid(
            _("The stream has no segments in this session's time (they may have been removed)."),
            {"session": str(session_id)},
        )
    return recording


def _make(
    session: Session,
    stream: Stream,
    start: dt.datetime | None,
    end: dt.datetime | None,
    hls_root: Path | None,
) -> Recording | None:
    planned_start, planned_end = session.bounds()
    start, end = start or planned_start, end or planned_end
    if end <= start:
        raise Invalid(_("The end must be after the start."), {"end": end.isoformat()})
    root = hls_root or conf.hls_root()
    name = f"rec-{session.pk}-{secrets.token_hex(4)}"
    while Stream.objects.filter(name=name).exists() or (root / name).exists():
        name = f"rec-{session.pk}-{secrets.token_hex(4)}"
    done = cut(root / stream.name, root / name, start, end)
    if done is None:
        return None
    try:
        with transaction.atomic():
            return Recording.objects.create(
                session=session,
                stream=stream,
                name=name,
                renditions=done.renditions,
                started_at=done.started_at,
                duration_s=done.duration_s,
                segments=done.segments,
                topics=topic_offsets(session, done.started_at, done.duration_s),
            )
    except BaseException:
        shutil.rmtree(root / name, ignore_errors=True)
        raise


def record_ended_sessions(
    now: dt.datetime | None = None,
    *,
    hls_root: Path | None = None,
    stream_name: str | None = None,
) -> list[Recording]:
    """A recording for every session that ended within the segments' keep time and has none.

    Rehearsals are left out. Called by the ingest every minute (with its `stream_name`: only
    the sessions of its own stream, so two ingests never cut the same session) and by
    `diemcau stream recordings make`; a session whose stream has no segments in its time is
    skipped quietly.
    """
    now = now or timezone.now()
    since = now - dt.timedelta(seconds=conf.keep_segments_s())
    sessions = (
        Session.objects.select_related("day")
        .filter(kind=SessionKind.SESSION, recordings__isnull=True)
        .filter(day__date__gte=since.date() - dt.timedelta(days=1), day__date__lte=now.date())
    )
    made: list[Recording] = []
    for session in sessions:
        _start, end = session.bounds()
        if session.status_at(now) != "ended" or not since <= end <= now:
            continue
        try:
            stream = _stream_for(session, None)
        except NotFound:
            return made
        if stream_name is not None and stream.name != stream_name:
            continue  # another stream's ingest records it (one ingest runs per stream)
        try:
            recording = _make(session, stream, None, None, hls_root)
        except Invalid:
            continue  # a session that ends before it starts: nothing to cut
        if recording is not None:
            made.append(recording)
    return made


def list_recordings(
    scope: Scope, conference_id: int | None = None, session_id: int | None = None
) -> QuerySet[Recording]:
    """Recordings are part of the programme: every signed-in person may list them."""
    if not scope.is_authenticated:
        raise Forbidden(_("Sign in first."))
    qs = Recording.objects.select_related("session__day__conference")
    if conference_id is not None:
        qs = qs.filter(session__day__conference_id=conference_id)
    if session_id is not None:
        qs = qs.filter(session_id=session_id)
    return qs.order_by("-started_at", "-pk")


@dataclass(frozen=True)
class TopicStart:
    """Where a topic starts in one recording, for the programme page."""

    recording: Recording
    offset_s: int

    @property
    def at(self) -> str:
        hours, rest = divmod(self.offset_s, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def recordings_for_agenda(
    scope: Scope, conference_id: int
) -> tuple[dict[int, list[Recording]], dict[int, list[TopicStart]]]:
    """A conference's recordings by session, and each topic's starts in them (one query)."""
    by_session: dict[int, list[Recording]] = {}
    by_topic: dict[int, list[TopicStart]] = {}
    for recording in list_recordings(scope, conference_id).order_by("started_at", "pk"):
        by_session.setdefault(recording.session_id, []).append(recording)
        for topic in recording.topics:
            start = TopicStart(recording, int(topic.get("offset_s", 0)))
            by_topic.setdefault(int(topic["topic"]), []).append(start)
    return by_session, by_topic


def get_recording(recording_id: int) -> Recording:
    recording = (
        Recording.objects.select_related("session__day__conference").filter(pk=recording_id).first()
    )
    if recording is None:
        raise NotFound(_("No such recording."))
    return recording


def recording_playback_for_site(site: Site, recording: Recording) -> services.Playback:
    """Signed URLs of a recording for `site`: its relays in failover order, the origin last.

    No scope check: the caller has decided that whoever asks plays for this site (the console
    through `recording_playback`, a delegate's own page with the delegate's site).
    """
    (urls,), expires_at = services.signed_urls(site, recording.name, [signing.MASTER])
    return services.Playback(
        urls=urls,
        expires_at=expires_at,
        stream=recording.name,
        kind="recording",
        recording=recording.pk,
        duration_s=recording.duration_s,
    )


def recording_playback(scope: Scope, site_code: str, recording_id: int) -> services.Playback:
    """For a site's console: the site must be in the caller's read scope."""
    site = sites.get_site(scope, site_code)
    return recording_playback_for_site(site, get_recording(recording_id))


def set_retention(scope: Scope, recording_id: int, keep_until: dt.datetime) -> Recording:
    _require_manager(scope)
    recording = get_recording(recording_id)
    recording.keep_until = keep_until
    recording.save(update_fields=["keep_until"])  # audited (audit/registry.py)
    return recording


def set_topic_offsets(scope: Scope, recording_id: int, offsets: dict[int, int]) -> Recording:
    """Correct where topics start (the session ran late, a topic was longer than planned).

    Only topics of the recording's session, at offsets within the recording; the others keep
    theirs. The change is in the audit trail like any change to the recording."""
    _require_manager(scope)
    recording = get_recording(recording_id)
    known = {int(t["topic"]) for t in recording.topics}
    unknown = sorted(set(offsets) - known)
    if unknown:
        raise Invalid(
            _("Not topics of this session: %(ids)s.") % {"ids": ", ".join(map(str, unknown))},
            {"topics": ", ".join(map(str, unknown))},
        )
    bad = sorted(t for t, at in offsets.items() if not 0 <= at < recording.duration_s)
    if bad:
        raise Invalid(
            _("A topic must start within the recording (0 to %(seconds)d s).")
            % {"seconds": int(recording.duration_s)},
            {"topics": ", ".join(map(str, bad))},
        )
    topics = [
        {**t, "offset_s": int(offsets.get(int(t["topic"]), t["offset_s"]))}
        for t in recording.topics
    ]
    recording.topics = sorted(topics, key=lambda t: (t["offset_s"], t["number"]))
    recording.save(update_fields=["topics"])
    return recording


def change_recording(
    scope: Scope,
    recording_id: int,
    *,
    keep_until: dt.datetime | None = None,
    offsets: dict[int, int] | None = None,
) -> Recording:
    """The API's PATCH: either or both; nothing is written unless everything is valid."""
    _require_manager(scope)
    with transaction.atomic():
        recording = get_recording(recording_id)
        if offsets is not None:
            recording = set_topic_offsets(scope, recording_id, offsets)
        if keep_until is not None:
            recording = set_retention(scope, recording_id, keep_until)
    return recording


def _remove(recording: Recording, root: Path, event: str) -> int:
    folder = root / recording.name
    files = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    with transaction.atomic():
        record_event(
            event,
            "recording",
            counts={"files": files},
            detail=f"{recording.name} ({recording.session})",
        )
        recording.delete()
    shutil.rmtree(folder, ignore_errors=True)
    return files


def delete_recording(scope: Scope, recording_id: int, *, hls_root: Path | None = None) -> int:
    """Remove the row and the files; relays drop their copies as their caches expire."""
    _require_manager(scope)
    return _remove(get_recording(recording_id), hls_root or conf.hls_root(), "delete_recording")


def sweep_orphans(hls_root: Path | None = None, *, min_age_s: float = 300) -> list[str]:
    """Remove recording folders that have no row any more (deleted through an app server that
    does not hold the HLS folder) or were left half-built; run by the ingest on the origin.
    A folder younger than `min_age_s` is left alone: its row may be on its way."""
    root = hls_root or conf.hls_root()
    if not root.is_dir():
        return []
    names = set(Recording.objects.values_list("name", flat=True))
    now = time.time()
    gone = []
    for path in root.glob("rec-*"):
        if path.name in names or not path.is_dir() or now - path.stat().st_mtime < min_age_s:
            continue
        shutil.rmtree(path, ignore_errors=True)
        gone.append(path.name)
    return gone


def prune_recordings(now: dt.datetime | None = None, *, hls_root: Path | None = None) -> list[str]:
    """Delete every recording kept past its `keep_until`; their names."""
    now = now or timezone.now()
    root = hls_root or conf.hls_root()
    gone = []
    for recording in Recording.objects.filter(keep_until__lt=now).select_related("session__day"):
        _remove(recording, root, "expire_recording")
        gone.append(recording.name)
    return gone
