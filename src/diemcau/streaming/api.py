"""Streaming API: signed playback URLs per site, revocation, stream state, capacity."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from diemcau.accounts.scopes import scope_for
from diemcau.streaming import capacity as capacity_service
from diemcau.streaming import services
from diemcau.streaming.models import Relay, Stream

router = Router()


class PlaybackOut(Schema):
    stream: str
    urls: list[str]
    expires_at: datetime
    expires_in_s: int


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


class CapacityOut(Schema):
    stream: str
    rendition: str
    rendition_kbps: int
    sites: int
    relays: list[RelayLoadOut]
    direct_sites: int
    origin_egress_mbps: float
    warnings: list[str]


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
def capacity(
    request: HttpRequest, stream: str | None = None, rendition: str | None = None
) -> capacity_service.CapacityView:
    return capacity_service.capacity(scope_for(request.user), stream, rendition)


@router.get("/network", response=NetworkOut, url_name="streaming_network")
def network(request: HttpRequest) -> dict[str, object]:
    """The ingest's state and each relay's health, for the operations dashboard."""
    streams, relays = services.network_state(scope_for(request.user))
    return {"streams": streams, "relays": relays}
