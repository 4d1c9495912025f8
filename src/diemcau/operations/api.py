"""Operations API: heartbeats in (hot path, no database row per request), status out."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.security import HttpBearer

from diemcau.accounts.auth import SessionLogin, bearer_user
from diemcau.accounts.scopes import scope_for
from diemcau.operations import callsheet, clock, fastpath, rollup, services
from diemcau.paging import PageQuery, limit_field


class CachedBearer(HttpBearer):
    """Bearer auth for the hot path: 2,200 beats/s from ~11,000 consoles.

    Resolving a token (and the scope, which `scope_for` keeps on the user object) costs two
    queries, more than the rest of the request; each token is resolved once per
    fastpath.TOKEN_TTL_S and kept in the fast path's cache (keyed by the token's SHA-256), which
    a revocation empties of that user at once.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = fastpath.bearer_key(token)
        user = fastpath.callers.get(key)
        if user is None:
            user = bearer_user(request, token)  # counts unknown tokens (sign-in lockout)
            if user is None:
                return None
            fastpath.callers.put(key, user)
        request.user = user
        return user

    def clear(self) -> None:
        fastpath.callers.clear()


bearer = CachedBearer()
router = Router()
heartbeats_router = Router(auth=[bearer, SessionLogin()])


class HeartbeatSchema(Schema):
    site: str = Field(..., max_length=32, description="Site code")
    session: str = Field("", max_length=64, description="Session being shown, if any")
    playing: bool = False
    buffer: float = Field(0.0, ge=0, le=3600, description="Seconds of video buffered")
    bitrate: int = Field(0, ge=0, le=1_000_000, description="kbit/s")
    dropped_frames: int = Field(0, ge=0, le=10_000_000, description="Since the previous beat")
    latency: int = Field(0, ge=0, le=3_600_000, description="ms behind the live edge")
    queued: int = Field(0, ge=0, le=10_000_000, description="Items waiting in the offline queue")
    version: str = Field("", max_length=32, description="Console version")
    behind: int = Field(
        0, ge=0, le=86_400, description="0: live; else seconds behind the live edge (a rewind)"
    )
    audio_only: bool = Field(
        False, description="The player fell back to sound only (the audio rung of a weak link)"
    )


class HeartbeatAck(Schema):
    accepted: int


@heartbeats_router.post(
    "", response=HeartbeatAck, summary="Send one heartbeat or a batch (a JSON list, ≤ 500)"
)
def post_heartbeats(
    request: HttpRequest, beats: HeartbeatSchema | list[HeartbeatSchema]
) -> dict[str, int]:
    items = beats if isinstance(beats, list) else [beats]
    _remember_session(request)
    accepted = services.record_heartbeats(
        scope_for(request.user),
        [
            services.HeartbeatIn(
                site=b.site.strip(),
                session=b.session,
                playing=b.playing,
                buffer_s=b.buffer,
                bitrate_kbps=b.bitrate,
                dropped_frames=b.dropped_frames,
                latency_ms=b.latency,
                queued=b.queued,
                version=b.version,
                behind_s=b.behind,
                audio_only=b.audio_only,
            )
            for b in items
        ],
    )
    return {"accepted": accepted}


def _remember_session(request: HttpRequest) -> None:
    """A console's session passed the full check (login, CSRF): let its next beats take the
    fast path in front of Django (fastpath.py) with the very same cookies and header."""
    if "authorization" in request.headers:
        return
    header = request.headers.get("x-csrftoken", "")
    session_id = request.COOKIES.get("sessionid", "")
    csrf_cookie = request.COOKIES.get("csrftoken", "")
    if header and session_id and csrf_cookie:
        fastpath.callers.put(fastpath.session_key(session_id, csrf_cookie, header), request.user)


class StatusQuery(Schema):
    unit: str | None = None
    worst: int = rollup.WORST_DEFAULT


@router.get("/status", summary="Sites online / degraded / offline / never seen under a unit")
def get_status(request: HttpRequest, query: Query[StatusQuery]) -> dict[str, Any]:
    services.ensure_flusher()
    return rollup.status(scope_for(request.user), query.unit, clock.now(), query.worst)


class CallSitesQuery(PageQuery):
    limit: int = limit_field(50, 500)
    state: Literal["trouble", "offline", "never", "degraded", "online", "all"] = Field(
        "trouble", description="trouble = offline, degraded or never connected"
    )
    province: str | None = Field(None, max_length=32, description="Province code, e.g. 01")
    unit: str | None = Field(None, max_length=32, description="Any unit code (a commune…)")
    q: str | None = Field(None, max_length=100, description="Words of a site's name or code")
    sort: Literal["trouble", "silent", "name"] = "trouble"


class CallSiteOut(Schema):
    code: str
    name: str
    unit_code: str
    unit: str
    province_code: str
    province: str
    state: str = Field(..., description="offline, never, degraded or online")
    state_label: str
    cause: str
    behind_s: int = Field(0, description="0: live; else seconds behind the live edge (a rewind)")
    last_seen: dt.datetime | None
    silent_s: float | None = Field(None, description="Seconds since the last heartbeat")
    tech_name: str
    tech_phone: str
    tech_tel: str = Field(..., description="tel: link to dial the technician, or empty")
    contact_name: str
    contact_phone: str
    contact_tel: str
    incident: int | None = Field(None, description="The site's oldest open incident")


class CallSitesOut(Schema):
    total: int
    limit: int
    offset: int
    counts: dict[str, int] = Field(..., description="Sites per state under the other filters")
    items: list[CallSiteOut]


@router.get(
    "/sites",
    response=CallSitesOut,
    summary="Whom to call: sites in trouble or never connected, with their people and phones",
)
def get_call_sites(request: HttpRequest, query: Query[CallSitesQuery]) -> dict[str, Any]:
    scope = scope_for(request.user)
    filters = callsheet.CallFilters.clean(
        query.state, query.province, query.unit, query.q, query.sort
    )
    now = clock.now()
    counts = callsheet.state_counts(scope, filters, now)
    rows = callsheet.call_rows(scope, filters, now)[query.offset : query.offset + query.limit]
    return {
        "total": counts[filters.state],
        "limit": query.limit,
        "offset": query.offset,
        "counts": counts,
        "items": callsheet.shape(rows, now),
    }
