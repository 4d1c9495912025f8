"""Operations fixtures: a live store of each kind, a clock the test moves, no flusher thread.

The Redis store runs against 127.0.0.1:6379, database 15, under a key prefix of its own that is
deleted afterwards. Redis is guaranteed by scripts/test, so an unreachable Redis fails the
Redis-parametrised tests instead of skipping them.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from diemcau.operations import api, livestate, services
from diemcau.operations import clock as opclock
from diemcau.operations.livestate import LiveStore, MemoryStore, RedisStore

T0 = 1_750_000_000.0  # 2025-06-15 ~22:06 in Hà Nội: any fixed moment will do


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(opclock, "now", c)
    return c


def _redis_store() -> Iterator[RedisStore]:
    client = redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=2)
    client.ping()  # fails the test when Redis is down: scripts/test guarantees it
    prefix = f"diemcau:test:ops:{uuid.uuid4().hex}:"
    try:
        yield RedisStore(client, prefix)
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, settings: Any) -> Iterator[LiveStore]:
    settings.DIEMCAU_LIVE_FLUSHER = False  # tests flush by hand, at the clock's time
    services.site_cache.clear()
    api.bearer.clear()
    if request.param == "memory":
        made: Iterator[LiveStore] = iter([MemoryStore()])
    else:
        made = _redis_store()
    live = next(made)
    livestate.set_store(live)
    try:
        yield live
    finally:
        livestate.set_store(None)
        services.site_cache.clear()
        for _rest in made:
            pass
