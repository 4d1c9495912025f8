"""Alerts fixtures: the operations' clock and live stores, a live session, a recording outbox."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from diemcau.accounts.scopes import Scope
from diemcau.alerts import outbox
from diemcau.operations import api, health, livestate, services
from diemcau.operations.livestate import MemoryStore
from diemcau.operations.services import HeartbeatIn
from diemcau.operations.tests.conftest import T0, Clock, clock  # noqa: F401 - a fixture
from diemcau.programme.models import Conference, Day, Session

LOCAL = dt.datetime.fromtimestamp(T0, tz=dt.timezone(dt.timedelta(hours=7)))
EVERYTHING = Scope(user_id=0, everything=True)


@pytest.fixture
def store(settings: Any) -> Iterator[MemoryStore]:
    """The in-process live store (the operations tests run both stores; ours read the database)."""
    settings.DIEMCAU_LIVE_FLUSHER = False
    services.site_cache.clear()
    api.bearer.clear()
    live = MemoryStore()
    livestate.set_store(live)
    try:
        yield live
    finally:
        livestate.set_store(None)
        services.site_cache.clear()


def make_session(status: str = "live", starts: str = "21:00", ends: str = "23:30") -> Session:
    conference = Conference.objects.create(
        slug=f"al-{Conference.objects.count()}",
        name="Hội nghị",
        host="Ban tổ chức",
        starts_on=LOCAL.date(),
        ends_on=LOCAL.date(),
    )
    day = Day.objects.create(conference=conference, date=LOCAL.date())
    return Session.objects.create(
        day=day,
        title="Phiên tối",
        starts_at=dt.time.fromisoformat(starts),
        ends_at=dt.time.fromisoformat(ends),
        status=status,
    )


def beat(*codes: str) -> None:
    services.record_heartbeats(
        EVERYTHING, [HeartbeatIn(site=c, session="S1", playing=True, buffer_s=8) for c in codes]
    )
    services.flush()


def silence(moved: Clock, seconds: float, keep: tuple[str, ...] = ()) -> None:
    """Let `seconds` pass with the flusher running every 10 s (30 s when nobody beats); the
    sites in `keep` send a heartbeat each time, often enough to stay online."""
    end = moved.now + seconds
    step = 10.0 if keep else 30.0
    while moved.now < end:
        moved.advance(min(step, end - moved.now))
        if keep:
            beat(*keep)
        else:
            services.flush()


@dataclass
class Sent:
    site: Any
    role: str
    channel: str
    text: str
    key: str
    pk: int
    urgent: bool = False


class Outbox:
    """Stands for the notifications app's send_direct: one delivery per idempotency key."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.by_key: dict[str, Sent] = {}
        self.calls = 0

    def __call__(
        self,
        *,
        site: Any,
        role: str,
        channel: str,
        text: str,
        idempotency_key: str,
        reason: str,
        user: Any = None,
        urgent: bool = False,
    ) -> Sent:
        self.calls += 1
        if idempotency_key in self.by_key:
            return self.by_key[idempotency_key]
        item = Sent(site, role, channel, text, idempotency_key, len(self.sent) + 1, urgent)
        self.sent.append(item)
        self.by_key[idempotency_key] = item
        return item


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Outbox:
    box = Outbox()
    monkeypatch.setattr(outbox, "_notifications_send_direct", lambda: box)
    return box


OFFLINE_AFTER_S = health.OFFLINE_AFTER_S
