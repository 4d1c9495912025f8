"""The heartbeat hot path, in front of Django.

11,000 consoles beat every 5 s: 2,200 requests a second on two cores. Through Django's
middleware, URL resolver and django-ninja each beat costs ~1.8 ms of CPU, which is more than the
two cores have; the work itself (parse, check, put in the live store) is a tenth of that.

So a WSGI wrapper takes the common case only — a well-formed heartbeat (or batch) from a caller
Django has already authenticated within the last TOKEN_TTL_S — and answers it directly with the
same service, `services.record_heartbeats`. Everything else goes on to Django untouched: a first
request, a cookie or header the cache has not seen, a body that needs coercion or is invalid, a
site out of scope. Django then does the full check and gives the real error; and because its
view records the caller here once satisfied, the next beat takes the short way. Nothing is
decided differently: the fast path only ever accepts what the full path just accepted.

Session callers (the browser console) are remembered by the exact triple of session cookie,
CSRF cookie and CSRF header that Django's CSRF check passed, so a forged cross-site request,
which cannot set the header, never matches.

Revocation does not wait for TOKEN_TTL_S: revoking a token, deactivating a person or reissuing a
site link announces the user (accounts/revocation_feed.py) and the cache forgets every entry of
that user — in this process at once, in the others within revocation_feed.POLL_S.
"""

import hashlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from diemcau.accounts.revocation_feed import revocations
from diemcau.accounts.scopes import scope_for
from diemcau.errors import DomainError
from diemcau.operations import services

PATH = "/api/v1/heartbeats"
TOKEN_TTL_S = 30.0  # a changed grant reaches this path within it (a revocation at once)
MAX_BODY = 256 * 1024
_CACHE_MAX = 50_000

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class CallerCache:
    """Key (a SHA-256 of the credentials) → user, for TOKEN_TTL_S after Django accepted them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[bytes, tuple[float, Any]] = {}

    def get(self, key: bytes) -> Any:
        revocations.poll()  # what other processes revoked (throttled: one stat or GET per 0.25 s)
        hit = self._users.get(key)
        if hit is None or hit[0] <= time.monotonic():
            return None
        return hit[1]

    def put(self, key: bytes, user: Any) -> None:
        scope_for(user)  # resolved now, kept on the user object for the cached requests
        with self._lock:
            if len(self._users) >= _CACHE_MAX:
                self._users.clear()
            self._users[key] = (time.monotonic() + TOKEN_TTL_S, user)

    def clear(self) -> None:
        with self._lock:
            self._users.clear()

    def forget(self, user_ids: frozenset[int] | None) -> None:
        """Drop the entries of these users (None: all), so their next request meets Django."""
        if user_ids is None:
            self.clear()
            return
        with self._lock:
            for key in [k for k, (_t, u) in self._users.items() if u.pk in user_ids]:
                del self._users[key]


callers = CallerCache()
revocations.subscribe(callers.forget)


def bearer_key(token: str) -> bytes:
    return hashlib.sha256(b"bearer\0" + token.encode()).digest()


def session_key(session_id: str, csrf_cookie: str, csrf_header: str) -> bytes:
    raw = "\0".join(("session", session_id, csrf_cookie, csrf_header))
    return hashlib.sha256(raw.encode()).digest()


def _cookies(environ: dict[str, Any]) -> dict[str, str]:
    found = {}
    for part in environ.get("HTTP_COOKIE", "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            found[name] = value
    return found


def _caller_key(environ: dict[str, Any]) -> bytes | None:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if auth:
        scheme, _sep, token = auth.partition(" ")
        return bearer_key(token.strip()) if scheme.lower() == "bearer" and token else None
    header = environ.get("HTTP_X_CSRFTOKEN", "")
    cookies = _cookies(environ)
    if not header or "sessionid" not in cookies or "csrftoken" not in cookies:
        return None
    return session_key(cookies["sessionid"], cookies["csrftoken"], header)


def _number(value: Any, low: float, high: float, *, integer: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if integer and not isinstance(value, int):
        return False
    return low <= value <= high


_LIMITS = {  # name → (low, high, integer, field of HeartbeatIn); as api.HeartbeatSchema
    "buffer": (0, 3600, False, "buffer_s"),
    "bitrate": (0, 1_000_000, True, "bitrate_kbps"),
    "dropped_frames": (0, 10_000_000, True, "dropped_frames"),
    "latency": (0, 3_600_000, True, "latency_ms"),
    "queued": (0, 10_000_000, True, "queued"),
    "behind": (0, 86_400, True, "behind_s"),
}


def _beat(item: Any) -> services.HeartbeatIn | None:
    """The beat if it is plainly valid; None sends the request to Django for the full check."""
    if not isinstance(item, dict):
        return None
    site, session, version = item.get("site"), item.get("session", ""), item.get("version", "")
    playing, audio_only = item.get("playing", False), item.get("audio_only", False)
    flags_ok = isinstance(playing, bool) and isinstance(audio_only, bool)
    if not (isinstance(site, str) and 0 < len(site) <= 32 and flags_ok):
        return None
    if not (isinstance(session, str) and len(session) <= 64):
        return None
    if not (isinstance(version, str) and len(version) <= 32):
        return None
    numbers: dict[str, Any] = {}
    for name, (low, high, integer, field) in _LIMITS.items():
        value = item.get(name, 0)
        if not _number(value, low, high, integer=integer):
            return None
        numbers[field] = value
    return services.HeartbeatIn(
        site=site.strip(),
        session=session,
        playing=playing,
        version=version,
        audio_only=audio_only,
        **numbers,
    )


def _parse(body: bytes) -> list[services.HeartbeatIn] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    items = data if isinstance(data, list) else [data]
    if not items or len(items) > services.MAX_BATCH:
        return None
    beats = [_beat(item) for item in items]
    return None if any(b is None for b in beats) else beats  # type: ignore[return-value]


def _answer(start_response: StartResponse, accepted: int) -> list[bytes]:
    body = b'{"accepted": %d}' % accepted
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


def _fast(environ: dict[str, Any]) -> int | None:
    """Beats accepted on the short way, or None: Django must answer (body left readable)."""
    key = _caller_key(environ)
    user = callers.get(key) if key is not None else None
    if user is None or not environ.get("CONTENT_TYPE", "").startswith("application/json"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)  # Django reads it again if we pass
    beats = _parse(body)
    if beats is None:
        return None
    try:
        return services.record_heartbeats(scope_for(user), beats)
    except DomainError:
        return None  # nothing was kept: Django gives the error


def wrap(app: WsgiApp) -> WsgiApp:
    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "POST":
            accepted = _fast(environ)
            if accepted is not None:
                return _answer(start_response, accepted)
        return app(environ, start_response)

    return application
