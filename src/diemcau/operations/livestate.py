"""Where heartbeats live between the request and the once-a-second flush.

Two stores behind one protocol. `MemoryStore` (embedded default) is a dict and a list under a
lock, private to its process: granian runs two workers, so each worker's flusher writes its own
beats to the database, and the dashboard reads the merged view from there (`SiteLive`), never
from one worker's memory. `RedisStore` (REDIS_URL set) is shared by every worker and server: the
latest beat per site in a hash, last-seen times in a sorted set, and the history waiting for the
flush in a list that any flusher drains atomically.
"""

import json
import threading
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any, Protocol

from django.conf import settings


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat, with the site already resolved so the flush needs no join."""

    site_id: int
    received_at: float  # epoch seconds, server clock
    session: str = ""
    playing: bool = False
    buffer_s: float = 0.0
    bitrate_kbps: int = 0
    dropped_frames: int = 0
    latency_ms: int = 0
    queued: int = 0
    version: str = ""
    # Fields added later go last, with a default: a beat queued in Redis by an older server
    # (fewer values) still loads.
    behind_s: int = 0
    audio_only: bool = False  # the player fell back to the sound-only rung (a weak link)

    def dumps(self) -> str:
        return json.dumps(astuple(self), separators=(",", ":"))

    @classmethod
    def loads(cls, raw: str | bytes) -> "Beat":
        # Values past the ones this server knows (a newer server's beat, during a rolling
        # upgrade) are dropped rather than failing the whole drain.
        return cls(*json.loads(raw)[:_BEAT_FIELDS])


_BEAT_FIELDS = len(fields(Beat))


class LiveStore(Protocol):
    def record(self, beats: Sequence[Beat]) -> None:
        """Keep each beat as its site's latest and queue it for the history flush."""

    def drain(self, limit: int) -> list[Beat]:
        """Take (and forget) up to `limit` queued beats, oldest first."""

    def latest(self, site_id: int) -> Beat | None:
        """The newest beat this store holds for a site."""

    def seen_before(self, cutoff: float) -> list[int]:
        """Sites whose latest beat here is older than `cutoff`."""

    def fresh_among(self, site_ids: Sequence[int], cutoff: float) -> dict[int, Beat]:
        """The latest beat of each of these sites whose latest beat is at or after `cutoff`."""

    def backlog(self) -> tuple[int, float | None]:
        """How many beats wait for the flush, and when the oldest of them arrived (None: none)."""

    def clear(self) -> None:
        """Forget everything (tests, and a fresh event)."""


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[int, Beat] = {}
        self._pending: list[Beat] = []

    def record(self, beats: Sequence[Beat]) -> None:
        with self._lock:
            for beat in beats:
                old = self._latest.get(beat.site_id)
                if old is None or old.received_at <= beat.received_at:
                    self._latest[beat.site_id] = beat
            self._pending.extend(beats)

    def drain(self, limit: int) -> list[Beat]:
        with self._lock:
            taken, self._pending = self._pending[:limit], self._pending[limit:]
        return taken

    def latest(self, site_id: int) -> Beat | None:
        with self._lock:
            return self._latest.get(site_id)

    def seen_before(self, cutoff: float) -> list[int]:
        with self._lock:
            return [s for s, b in self._latest.items() if b.received_at < cutoff]

    def fresh_among(self, site_ids: Sequence[int], cutoff: float) -> dict[int, Beat]:
        with self._lock:
            found = ((s, self._latest.get(s)) for s in site_ids)
            return {s: b for s, b in found if b is not None and b.received_at >= cutoff}

    def backlog(self) -> tuple[int, float | None]:
        with self._lock:
            return len(self._pending), (self._pending[0].received_at if self._pending else None)

    def clear(self) -> None:
        with self._lock:
            self._latest.clear()
            self._pending.clear()


# One round trip, atomic: a beat becomes its site's latest only if it is not older than the one
# kept (a late beat from a retried batch never moves a site back), and always joins the history.
_RECORD_LUA = """
for i = 1, #ARGV, 3 do
  local site, at, raw = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local old = redis.call('ZSCORE', KEYS[2], site)
  if not old or tonumber(old) <= at then
    redis.call('ZADD', KEYS[2], at, site)
    redis.call('HSET', KEYS[1], site, raw)
  end
  redis.call('RPUSH', KEYS[3], raw)
end
return #ARGV / 3
"""


class RedisStore:
    def __init__(self, client: Any, prefix: str = "diemcau:live:") -> None:
        self._redis = client
        self._latest_key = f"{prefix}latest"
        self._seen_key = f"{prefix}seen"
        self._pending_key = f"{prefix}pending"
        self._record = client.register_script(_RECORD_LUA)

    @classmethod
    def from_url(cls, url: str, prefix: str = "diemcau:live:") -> "RedisStore":
        import redis

        return cls(redis.Redis.from_url(url), prefix)

    def record(self, beats: Sequence[Beat]) -> None:
        if not beats:
            return
        args: list[Any] = []
        for beat in beats:
            args += (beat.site_id, beat.received_at, beat.dumps())
        self._record(keys=[self._latest_key, self._seen_key, self._pending_key], args=args)

    def drain(self, limit: int) -> list[Beat]:
        pipe = self._redis.pipeline(transaction=True)  # MULTI: no beat read twice or lost
        pipe.lrange(self._pending_key, 0, limit - 1)
        pipe.ltrim(self._pending_key, limit, -1)
        raw, _ok = pipe.execute()
        return [Beat.loads(r) for r in raw]

    def latest(self, site_id: int) -> Beat | None:
        raw = self._redis.hget(self._latest_key, site_id)
        return Beat.loads(raw) if raw is not None else None

    def seen_before(self, cutoff: float) -> list[int]:
        return [int(s) for s in self._redis.zrangebyscore(self._seen_key, "-inf", f"({cutoff}")]

    def fresh_among(self, site_ids: Sequence[int], cutoff: float) -> dict[int, Beat]:
        """Two round trips whatever the number of sites: their last-seen times (ZMSCORE), then
        the beats of the fresh ones only (a silent site's beat is never fetched)."""
        ids = list(site_ids)
        if not ids:
            return {}
        scores = self._redis.zmscore(self._seen_key, ids)
        fresh = [s for s, at in zip(ids, scores, strict=True) if at is not None and at >= cutoff]
        if not fresh:
            return {}
        raw = self._redis.hmget(self._latest_key, fresh)
        return {s: Beat.loads(r) for s, r in zip(fresh, raw, strict=True) if r is not None}

    def backlog(self) -> tuple[int, float | None]:
        pipe = self._redis.pipeline(transaction=True)
        pipe.llen(self._pending_key)
        pipe.lindex(self._pending_key, 0)
        count, oldest = pipe.execute()
        return int(count), (Beat.loads(oldest).received_at if oldest is not None else None)

    def clear(self) -> None:
        self._redis.delete(self._latest_key, self._seen_key, self._pending_key)


_store: LiveStore | None = None
_store_lock = threading.Lock()


def get_store() -> LiveStore:
    """The process's store: Redis when REDIS_URL is set, else memory."""
    global _store  # noqa: PLW0603 - one store per process, made on first use
    with _store_lock:
        if _store is None:
            url = getattr(settings, "REDIS_URL", "")
            prefix = settings.DIEMCAU_LIVE_PREFIX
            _store = RedisStore.from_url(url, prefix) if url else MemoryStore()
        return _store


def set_store(store: LiveStore | None) -> None:
    """Replace the process's store (tests); None goes back to the settings' choice."""
    global _store  # noqa: PLW0603 - see get_store
    with _store_lock:
        _store = store
