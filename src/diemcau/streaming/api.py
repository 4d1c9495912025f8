"""Streaming API: signed playback URLs per site, revocation, stream state, capacity."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from diemcau.accounts.scopes import scope_for
from diemcau.streaming import capacity as capacity_service
from diemcau.streaming import recordings, services
from diemcau.streaming.models import Recording, Relay, Stream

router = Router()


class PlaybackOut(Schema):
    stream: str
    kind: str
    urls: list[str]
    expires_at: datetime
    expires_in_s: int
    server_time: datetime
    dvr_urls: list[str]
    dvr_window_s: int
    segment_s: int
    live_edge_at: datetime | None
    recording: int | None
    duration_s: float | None


class TopicOffsetOut(Schema):
    topic: int
    number: int
    title: str
    offset_s: int


class RecordingOut(Schema):
    id: int
    name: str
    session: int
    session_title: str
    conference: int
    started_at: datetime
    duration_s: float
    segments: int
    renditions: list[str]
    topics: list[TopicOffsetOut]
    keep_until: datetime
    created_at: datetime

    @staticmethod
    def resolve_session(obj: Recording) -> int:
        return obj.session_id

    @staticmethod
    def resolve_session_title(obj: Recording) -> str:
        return obj.session.title

    @staticmethod
    def resolve_conference(obj: Recording) -> int:
        return obj.session.day.conference_id


class RecordingIn(Schema):
    session: int
    stream: str | None = None
    start: datetime | None = None
    end: datetime | None = None


class TopicOffsetIn(Schema):
    topic: int
    offset_s: int


class RecordingPatchIn(Schema):
    keep_until: datetime | None = None
    topics: list[TopicOffsetIn] | None = None


class DeletedOut(Schema):
    id: int
    files: int


class PlaybackRevokeOut(Schema):
    site: str
    key_version: int


class StreamOut(Schema):
    name: str
    title: str
    conference: int | None
    state: str
    restarts: int
    last_segment_at: datetime | None
    state_detail: str
    renditions: list[dict[str, object]]
    updated_at: datetime

    @staticmethod
    def resolve_conference(obj: object) -> int | None:
        return getattr(obj, "conference_id", None)


class StreamStateOut(Schema):
    name: str
    title: str
    state: str
    state_label: str
    state_since: datetime | None
    restarts: int
    last_segment_at: datetime | None
    state_detail: str

    @staticmethod
    def resolve_state_label(obj: Stream) -> str:
        return str(obj.get_state_display())


class RelayHealthOut(Schema):
    code: str
    name: str
    enabled: bool
    health: str
    health_label: str
    health_checked_at: datetime | None
    health_error: str

    @staticmethod
    def resolve_health_label(obj: Relay) -> str:
        return str(obj.get_health_display())


class NetworkOut(Schema):
    streams: list[StreamStateOut]
    relays: list[RelayHealthOut]


class RelayLoadOut(Schema):
    code: str
    sites: int
    egress_mbps: float
    capacity_mbps: int
    overloaded: bool
    catchup_viewers: int
    catchup_mbps: float


class CapacityOut(Schema):
    stream: str
    rendition: str
    rendition_kbps: int
    sites: int
    relays: list[RelayLoadOut]
    direct_sites: int
    origin_egress_mbps: float
    warnings: list[str]
    catchup_viewers: int
    catchup_rendition: str
    catchup_kbps: int
    recordings_in_play: int
    catchup_egress_mbps: float
    origin_catchup_mbps: float


@router.get("/sites/{code}/playback", response=PlaybackOut)
def playback(request: HttpRequest, code: str, stream: str | None = None) -> services.Playback:
    """URLs to try in order: the site's relays, then the origin. One token covers the stream."""
    return services.playback(scope_for(request.user), code, stream)


@router.post("/sites/{code}/revoke", response=PlaybackRevokeOut)
def revoke(request: HttpRequest, code: str) -> dict[str, object]:
    """Cut a site's playback URLs (after the nginx configs are rewritten and reloaded)."""
    version = services.revoke_site(scope_for(request.user), code)
    return {"site": code, "key_version": version}


@router.get("/streams", response=list[StreamOut])
def streams(request: HttpRequest) -> object:
    return list(services.streams(scope_for(request.user)))


@router.get("/capacity", response=CapacityOut)
def capacity(  # noqa: PLR0917 - the query parameters, one to one
    request: HttpRequest,
    stream: str | None = None,
    rendition: str | None = None,
    catchup_viewers: int = 0,
    catchup_rendition: str | None = None,
    recordings_in_play: int | None = None,
) -> capacity_service.CapacityView:
    """Egress per relay and at the origin: live sites, plus `catchup_viewers` watching
    recordings (or rewinding) through their sites' relays at the same time."""
    return capacity_service.capacity(
        scope_for(request.user),
        stream,
        rendition,
        catchup_viewers=max(0, catchup_viewers),
        catchup_rendition=catchup_rendition,
        recordings_in_play=recordings_in_play,
    )


@router.get("/network", response=NetworkOut, url_name="streaming_network")
def network(request: HttpRequest) -> dict[str, object]:
    """The ingest's state and each relay's health, for the operations dashboard."""
    streams, relays = services.network_state(scope_for(request.user))
    return {"streams": streams, "relays": relays}


@router.get("/recordings", response=list[RecordingOut])
def recording_list(
    request: HttpRequest, conference: int | None = None, session: int | None = None
) -> object:
    """Session recordings, newest first, with each topic's start offset."""
    return list(recordings.list_recordings(scope_for(request.user), conference, session))


@router.post("/recordings", response=RecordingOut)
def recording_make(request: HttpRequest, payload: RecordingIn) -> Recording:
    """Cut a session's recording now (no re-encode: playlists over the live segments)."""
    return recordings.make_recording(
        scope_for(request.user), payload.session, payload.stream, payload.start, payload.end
    )


@router.get("/recordings/{recording_id}", response=RecordingOut)
def recording_detail(request: HttpRequest, recording_id: int) -> Recording:
    return recordings.get_recording(recording_id)


@router.get("/recordings/{recording_id}/playback", response=PlaybackOut)
def recording_playback(request: HttpRequest, recording_id: int, site: str) -> services.Playback:
    """Signed, expiring URLs of a recording for one site (its relays first, the origin last)."""
    return recordings.recording_playback(scope_for(request.user), site, recording_id)


@router.patch("/recordings/{recording_id}", response=RecordingOut)
def recording_change(
    request: HttpRequest, recording_id: int, payload: RecordingPatchIn
) -> Recording:
    """Keep it longer or shorter; correct where topics start (seconds into the recording)."""
    offsets = None if payload.topics is None else {t.topic: t.offset_s for t in payload.topics}
    return recordings.change_recording(
        scope_for(request.user), recording_id, keep_until=payload.keep_until, offsets=offsets
    )


@router.delete("/recordings/{recording_id}", response=DeletedOut)
def recording_delete(request: HttpRequest, recording_id: int) -> dict[str, int]:
    files = recordings.delete_recording(scope_for(request.user), recording_id)
    return {"id": recording_id, "files": files}
