"""`diemcau demo-day`: a small conference day played against the running demo server.

A few hundred demo sites send heartbeats every 5 seconds (some with poor playback), delegates are
scanned in at their sites a few dozen at a time, sites ask questions, and every three minutes a
group of sites falls silent long enough to go offline (and open incidents), then comes back. All
of it goes through the real HTTP API (heartbeats, check-in batches, questions) with the
simulator's driver, so the home page, operations, attendance and questions pages move within
the first minute, as they would on the day.

It only runs on a demo server (DIEMCAU_DEMO on): it signs in as a user of its own ("demo-day")
whose earlier tokens it revokes at each start. `diemcau up` starts it in the background (a child
process that stops when the server stops, or with --no-demo-day / DIEMCAU_DEMO_DAY=0).
"""

import datetime as dt
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from diemcau.agent.http import JsonClient, Offline, Refused
from diemcau.agent.ids import uuid7
from diemcau.operations.health import OFFLINE_AFTER_S
from diemcau.simulation.driver import Driver
from diemcau.simulation.plan import QUESTIONS, Scan

USER = "demo-day"
TICK_S = 5.0  # the consoles' heartbeat period
SITES = 400  # sites that connect: the operator's, a Hà Nội share, the rest across the country
HANOI_SHARE = 0.4
DEGRADED_SHARE = 0.03  # sites whose playback buffers
SCANS_PER_TICK = 40
QUESTION_EVERY = 4  # ticks
CYCLE_S = 180.0  # every three minutes…
OUTAGE_AT_S = 20.0  # …20 s in, a group of sites falls silent…
OUTAGE_FOR_S = OFFLINE_AFTER_S + 40.0  # …long enough to show offline, then comes back
OUTAGE_SITES = 25
AWAY_LIMIT_S = 60.0  # the server gone this long (stopped without us noticing): stop too


class NotADemo(Exception):
    """Refused: the server is not in demo mode (DIEMCAU_DEMO off, i.e. production)."""


def enabled() -> bool:
    """Whether `diemcau up` starts the demo day: demo mode on and DIEMCAU_DEMO_DAY not off."""
    if not settings.DIEMCAU_DEMO:
        return False
    value = getattr(settings, "DIEMCAU_DEMO_DAY", os.environ.get("DIEMCAU_DEMO_DAY", "1"))
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


@dataclass
class DayPlan:
    token: str
    session_id: int
    sites: list[str]  # connected, in a fixed order
    degraded: set[str]
    outage: list[str]
    scans: list[tuple[str, str]]  # (badge payload, site), in the order they will be scanned
    operator_sites: list[str] = field(default_factory=list)


@dataclass
class DayTally:
    ticks: int = 0
    beats: int = 0
    scans: int = 0
    questions: int = 0
    outages: int = 0
    errors: list[str] = field(default_factory=list)


def prepare_day(seed: int = 2025, n_sites: int = SITES) -> DayPlan:
    """Pick the sites, their delegates' badges and the live session; issue this run's token."""
    if not settings.DIEMCAU_DEMO:
        raise NotADemo("Máy chủ không ở chế độ demo (DIEMCAU_DEMO tắt): không chạy ngày mô phỏng.")
    from django.contrib.auth import get_user_model

    from diemcau.accounts import revocation
    from diemcau.accounts.scopes import Scope
    from diemcau.accounts.services import add_user, issue_token
    from diemcau.delegates.badge_token import payload_for
    from diemcau.delegates.models import Delegate
    from diemcau.simulation.living_demo import live_session_id, operator_site_ids
    from diemcau.sites.demo import DEMO_PREFIX
    from diemcau.sites.models import Site

    session_id = live_session_id()
    if session_id is None:
        raise NotADemo("Chương trình mẫu không có phiên đang diễn ra: hãy chạy `diemcau up`.")
    rng = random.Random(seed)
    demo = Site.objects.filter(code__startswith=DEMO_PREFIX)
    own = list(demo.filter(pk__in=operator_site_ids()).order_by("code"))
    hanoi = list(demo.filter(province__code="01").exclude(pk__in=[s.pk for s in own]))
    others = list(demo.exclude(province__code="01").values_list("pk", flat=True))
    n_hanoi = min(len(hanoi), int(n_sites * HANOI_SHARE))
    chosen = own + rng.sample(hanoi, n_hanoi)
    picked = rng.sample(others, min(len(others), max(0, n_sites - len(chosen))))
    chosen += list(Site.objects.filter(pk__in=picked))
    codes = [s.code for s in chosen]
    by_pk = {s.pk: s.code for s in chosen}
    scans = [
        (payload_for(code, secret), by_pk[site_id])
        for site_id, code, secret in Delegate.objects.filter(site_id__in=list(by_pk))
        .order_by("pk")
        .values_list("site_id", "code", "secret")
    ]
    rng.shuffle(scans)
    # Some people do not come: a tenth of the badges are never scanned.
    scans = scans[: int(len(scans) * 0.9)]
    rest = [c for c in codes if c not in {s.code for s in own}]
    if not get_user_model().objects.filter(username=USER).exists():
        add_user(USER, "central_organiser")
    revocation.revoke_user_tokens(Scope(user_id=0, everything=True), USER)
    return DayPlan(
        token=issue_token(USER, label="demo-day"),
        session_id=session_id,
        sites=codes,
        degraded=set(rng.sample(rest, int(len(rest) * DEGRADED_SHARE))),
        outage=rng.sample(rest, min(len(rest), OUTAGE_SITES)),
        scans=scans,
        operator_sites=[s.code for s in own],
    )


def wait_for_server(server: str, token: str, stop: threading.Event, timeout_s: float) -> bool:
    """Until the server answers (it may still be starting), the stop is asked, or time is up."""
    client = JsonClient(server, token, timeout=5)
    deadline = time.monotonic() + timeout_s
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                client.request("GET", "/api/v1/operations/status")
                return True
            except (Offline, Refused):
                stop.wait(0.5)
        return False
    finally:
        client.close()


def _beats(plan: DayPlan, silent: set[str]) -> list[dict[str, Any]]:
    body = []
    for code in plan.sites:
        if code in silent:
            continue
        poor = code in plan.degraded
        body.append(
            {
                "site": code,
                "session": str(plan.session_id),
                "playing": True,
                "buffer": 0.5 if poor else 12.0,
                "bitrate": 900 if poor else 2500,
                "latency": 9500 if poor else 3000,
                "version": "demo-day",
            }
        )
    return body


class _Day:
    """One run's state: what is left to scan, who is out, what was sent."""

    def __init__(self, driver: Driver, plan: DayPlan) -> None:
        self.driver = driver
        self.plan = plan
        self.pending = list(plan.scans)
        self.rng = random.Random(plan.session_id)
        self.tally = DayTally()

    def tick(self, out: bool) -> bool:
        """Send one period's beats, scans and maybe a question; False if the server is away."""
        plan, tally = self.plan, self.tally
        beats = _beats(plan, set(plan.outage) if out else set())
        answered = True
        for start in range(0, len(beats), 500):
            chunk = beats[start : start + 500]
            answered &= self.driver.post("heartbeat", "/api/v1/heartbeats", chunk) is not None
        tally.beats += len(beats)
        batch, self.pending = self.pending[:SCANS_PER_TICK], self.pending[SCANS_PER_TICK:]
        if batch:
            at = dt.datetime.now(dt.UTC).isoformat()
            scans: list[Scan] = [
                (str(uuid7(rand=self.rng.getrandbits(80).to_bytes(10, "big"))), b, s, at)
                for b, s in batch
            ]
            self.driver.checkins(scans, "demo-checkin")
            tally.scans += len(scans)
        if tally.ticks % QUESTION_EVERY == 0:
            own = plan.operator_sites if (tally.ticks // QUESTION_EVERY) % 2 == 0 else []
            site = self.rng.choice(own or plan.sites)
            self.driver.questions([(str(uuid7()), site, self.rng.choice(QUESTIONS))])
            tally.questions += 1
        tally.ticks += 1
        tally.errors = self.driver.tally.errors[-20:]
        return answered


def play_day(
    server: str,
    plan: DayPlan,
    stop: threading.Event,
    say: Callable[[str], None],
    *,
    seconds: float | None = None,
    tick_s: float = TICK_S,
    alive: Callable[[], bool] = lambda: True,
) -> DayTally:
    """Play until `stop` is set, `seconds` have passed, `alive()` turns false or the server
    stays away for a minute."""
    driver = Driver(server, plan.token, plan.session_id, workers=2)
    day = _Day(driver, plan)
    started = time.monotonic()
    away_since: float | None = None
    was_out = False
    try:
        while not stop.is_set() and alive():
            now = time.monotonic()
            if seconds is not None and now - started >= seconds:
                break
            in_cycle = (now - started) % CYCLE_S
            out = OUTAGE_AT_S <= in_cycle < OUTAGE_AT_S + OUTAGE_FOR_S
            if out != was_out:
                n = len(plan.outage)
                say(f"{n} điểm cầu mất tín hiệu" if out else f"{n} điểm cầu kết nối lại")
                day.tally.outages += int(out)
                was_out = out
            try:
                answered = day.tick(out)
            except Refused as exc:
                say(f"máy chủ từ chối ({exc}); dừng ngày mô phỏng")
                break
            away_since = None if answered else (away_since or now)
            if away_since is not None and now - away_since > AWAY_LIMIT_S:
                say("máy chủ không trả lời quá một phút; dừng ngày mô phỏng")
                break
            if day.tally.ticks % 12 == 0:
                say(
                    f"{day.tally.ticks} nhịp: {day.tally.scans} lượt quét, "
                    f"{day.tally.questions} câu hỏi, {len(day.pending)} đại biểu chưa đến"
                )
            while not stop.is_set() and alive() and time.monotonic() - now < tick_s:
                stop.wait(min(0.5, max(0.0, tick_s - (time.monotonic() - now))))
    finally:
        driver.close()
    return day.tally


def parent_alive(pid: int | None) -> Callable[[], bool]:
    """True while the process that started us (the server) lives; always true without one."""
    if pid is None:
        return lambda: True

    def check() -> bool:
        if os.getppid() != pid:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True

    return check
