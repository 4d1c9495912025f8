"""Tells every server process, at once, whose cached credentials to forget.

Hot paths keep callers they have just accepted in memory (the heartbeat fast path for 30 s), so a
revoked token or a deactivated person would keep working there for that long. A revocation
therefore announces the user ids concerned:

- in this process, by calling the subscribed listeners directly (immediate);
- to the other processes — granian's workers, other servers, and from a CLI run — through a
  shared feed they poll every POLL_S: a Redis counter and keys when REDIS_URL is set, otherwise an
  append-only file in the data folder (embedded mode is one machine). Polling costs one `stat`
  (or one Redis GET) per POLL_S per process, never one per request.

A process that falls too far behind, or finds the feed rotated, is told to forget everyone: a
cache miss costs one check through Django, a missed revocation would cost a breach.
"""

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

log = logging.getLogger(__name__)
POLL_S = 0.25  # a revocation made in another process reaches this one within this
_FILE_MAX = 256 * 1024  # rotate the embedded feed past this size
_REDIS_KEEP_S = 3600
_REDIS_BACKLOG = 1000

Listener = Callable[[frozenset[int] | None], None]  # None: forget every cached caller


class Feed(Protocol):
    def publish(self, user_ids: Iterable[int]) -> None:
        """Announce the users to every process."""

    def cursor(self) -> int:
        """Where the feed stands now (a new reader starts here, not at the beginning)."""

    def since(self, cursor: int) -> tuple[int, frozenset[int] | None]:
        """The new cursor and the users announced after `cursor` (None: forget everyone)."""


class FileFeed:
    """One line per user id, appended with O_APPEND (atomic for such short writes)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def publish(self, user_ids: Iterable[int]) -> None:
        data = "".join(f"{int(uid)}\n" for uid in user_ids).encode()
        if not data:
            return
        try:
            if self.path.stat().st_size > _FILE_MAX:
                self.path.replace(self.path.with_suffix(".old"))  # readers forget everyone
        except FileNotFoundError:
            pass
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def cursor(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def since(self, cursor: int) -> tuple[int, frozenset[int] | None]:
        size = self.cursor()
        if size == cursor:
            return cursor, frozenset()
        if size < cursor:
            return size, None  # rotated: what happened in between is unknown
        with self.path.open("rb") as f:
            f.seek(cursor)
            chunk = f.read(size - cursor)
        complete = chunk.rpartition(b"\n")[0]  # a line being written is read next time
        ids = frozenset(int(line) for line in complete.split(b"\n") if line.strip().isdigit())
        return cursor + len(complete) + (1 if complete else 0), ids


class RedisFeed:
    """A counter and one short-lived key per announcement, shared by every server."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.seq_key = f"{prefix}revoked:seq"
        self.prefix = f"{prefix}revoked:"

    @classmethod
    def from_url(cls, url: str, prefix: str) -> "RedisFeed":
        import redis

        return cls(redis.Redis.from_url(url), prefix)

    def publish(self, user_ids: Iterable[int]) -> None:
        ids = [int(uid) for uid in user_ids]
        if not ids:
            return
        last = int(self.client.incrby(self.seq_key, len(ids)))
        pipe = self.client.pipeline(transaction=False)
        for n, uid in enumerate(ids, last - len(ids) + 1):
            pipe.set(f"{self.prefix}{n}", uid, ex=_REDIS_KEEP_S)
        pipe.execute()

    def cursor(self) -> int:
        return int(self.client.get(self.seq_key) or 0)

    def since(self, cursor: int) -> tuple[int, frozenset[int] | None]:
        now = self.cursor()
        if now == cursor:
            return cursor, frozenset()
        if now < cursor or now - cursor > _REDIS_BACKLOG:
            return now, None
        values = self.client.mget([f"{self.prefix}{n}" for n in range(cursor + 1, now + 1)])
        if any(v is None for v in values):
            # announced but not written yet (or expired): read these again next time
            return cursor, frozenset(int(v) for v in values if v is not None)
        return now, frozenset(int(v) for v in values)


def _default_feed() -> Feed:
    url = getattr(settings, "REDIS_URL", "")
    if url:
        return RedisFeed.from_url(url, getattr(settings, "DIEMCAU_LIVE_PREFIX", "diemcau:"))
    return FileFeed(Path(settings.DATA_DIR) / "revocations.log")


class Revocations:
    """This process's end of the feed: listeners to tell, and a throttled poll."""

    def __init__(self, feed: Feed | None = None) -> None:
        self._feed = feed
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._cursor: int | None = None
        self._pid = 0
        self._next_poll = 0.0

    @property
    def feed(self) -> Feed:
        if self._feed is None:
            self._feed = _default_feed()
        return self._feed

    def set_feed(self, feed: Feed | None) -> None:
        """Tests use their own feed; None goes back to the settings' one."""
        with self._lock:
            self._feed = feed
            self._cursor = None

    def subscribe(self, listener: Listener) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def _tell(self, user_ids: frozenset[int] | None) -> None:
        for listener in self._listeners:
            listener(user_ids)

    def announce(self, user_ids: Iterable[int]) -> None:
        """Forget these users here now, and in every other process within POLL_S."""
        ids = frozenset(int(uid) for uid in user_ids)
        if not ids:
            return
        self._tell(ids)
        try:
            self.feed.publish(sorted(ids))
        except Exception:  # the database change stands; pollers that cannot read forget everyone
            log.exception("could not announce a revocation to the other processes")

    def poll(self) -> None:
        """Apply what other processes announced; cheap enough to call on every request."""
        now = time.monotonic()
        if now < self._next_poll and self._pid == os.getpid():
            return
        with self._lock:
            if now < self._next_poll and self._pid == os.getpid():
                return
            self._next_poll = now + POLL_S
            try:
                if self._cursor is None or self._pid != os.getpid():  # new, or a forked worker
                    self._pid = os.getpid()
                    self._cursor = self.feed.cursor()
                    return
                self._cursor, ids = self.feed.since(self._cursor)
            except Exception:  # feed unreachable: forget everyone rather than trust stale entries
                ids = None  # (the cursor stays: once the feed answers, nothing is skipped)
        if ids is None or ids:
            self._tell(ids)


revocations = Revocations()
