"""Operations API: heartbeats in (hot path, no database row per request), status out."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.security import HttpBearer

from diemcau.accounts.auth import SessionLogin, bearer_user
from diemcau.accounts.scopes import scope_for
from diemcau.operations import clock, fastpath, rollup, services


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
