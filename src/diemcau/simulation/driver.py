"""Play the plan against a running server over HTTP, as thousands of sites would.

Heartbeats go every `beat_every` seconds for every connected site (in batches of 500, which the
heartbeat API takes); check-ins in batches of up to 1,000 scans, from `workers` concurrent
connections; then the scans made offline an hour earlier, the resent batches (same client
UUIDs), headcounts with a correction, and questions (some sent twice). Sites planned to drop off
stop beating half way. The beats go in their own thread all day, so they keep their cadence while
the long phases run. Every request's latency is kept per kind for the p50/p99 figures.
"""

import itertools
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from diemcau.agent.http import JsonClient, Offline
from diemcau.simulation.plan import Plan, Scan, batches

BEAT_BATCH = 500
CHECKIN_BATCH = 1000


@dataclass
class Tally:
    """What the server answered, summed; and the time each request took."""

    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # When each round of every connected site's beats started (`Beating`), for the cadence.
    beat_rounds: list[float] = field(default_factory=list)

    def timing(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def figures(self, wall: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind, values in sorted(self.latencies.items()):
            ordered = sorted(values)
            out[kind] = {
                "requests": len(ordered),
                "per_s": round(len(ordered) / wall, 1) if wall else 0,
                "p50_ms": round(statistics.median(ordered) * 1000, 1),
                "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
            }
        if len(self.beat_rounds) > 1 and "heartbeat" in out:
            gaps = [b - a for a, b in itertools.pairwise(self.beat_rounds)]
            out["heartbeat"]["rounds"] = len(self.beat_rounds)
            out["heartbeat"]["round_gap_max_s"] = round(max(gaps), 2)
            out["heartbeat"]["round_gap_p50_s"] = round(statistics.median(gaps), 2)
        return out


class Driver:
    def __init__(self, server: str, token: str, session_id: int, workers: int) -> None:
        self.server = server
        self.token = token
        self.session_id = session_id
        self.workers = workers
        self.tally = Tally()
        self._local = threading.local()
        self._clients: list[JsonClient] = []

    def _client(self) -> JsonClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = JsonClient(self.server, self.token, timeout=120)
            self._local.client = client
            with self.tally.lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def post(self, kind: str, path: str, body: Any, tries: int = 5) -> Any:
        """POST with retries on no answer: a lost answer is exactly what the UUIDs are for."""
        return self.post_counting(kind, path, body, tries)[0]

    def post_counting(self, kind: str, path: str, body: Any, tries: int = 5) -> tuple[Any, bool]:
        """`post`, saying also whether an earlier try went unanswered: a server killed after
        committing a batch and before answering has recorded it, and the retry is then answered
        "duplicate" for scans this client sent once."""
        for attempt in range(tries):
            started = time.perf_counter()
            try:
                answer = self._client().post(path, body)
            except Offline as exc:
                if attempt == tries - 1:
                    with self.tally.lock:
                        self.tally.errors.append(f"{kind}: {exc}")
                    return None, True
                time.sleep(0.5 * (attempt + 1))
                continue
            self.tally.timing(kind, time.perf_counter() - started)
            if answer.status >= 400:
                with self.tally.lock:
                    self.tally.errors.append(f"{kind}: HTTP {answer.status} {answer.data}")
                return None, attempt > 0
            return answer.data, attempt > 0
        return None, True

    # -- the kinds of traffic ----------------------------------------------------------------
    def beat(self, sites: list[str]) -> None:
        def send(chunk: list[str]) -> None:
            body = [{"site": c, "session": str(self.session_id), "playing": True} for c in chunk]
            self.post("heartbeat", "/api/v1/heartbeats", body)

        self._run(send, [sites[i : i + BEAT_BATCH] for i in range(0, len(sites), BEAT_BATCH)])

    def checkins(self, scans: list[Scan], kind: str = "checkin") -> None:
        def send(batch: list[Scan]) -> None:
            body = {
                "scans": [
                    {"id": i, "badge": b, "site": s, "session": self.session_id, "scanned_at": t}
                    for i, b, s, t in batch
                ]
            }
            data, retried = self.post_counting(kind, "/api/v1/checkins", body)
            if data is None:
                return
            with self.tally.lock:
                for result in data.get("results", []):
                    status = result["status"]
                    if retried and status == "duplicate" and kind != "checkin_resend":
                        # Recorded by the try whose answer was lost (the server died after its
                        # commit): this client's first and only scan, counted where it landed.
                        status = "duplicate_after_retry"
                    self.tally.statuses[f"{kind}:{status}"] += 1
                    if result.get("reason"):
                        self.tally.reasons[result["reason"]] += 1

        self._run(send, list(batches(scans, CHECKIN_BATCH)))

    def headcounts(self, items: list[tuple[str, str, int]]) -> None:
        # In order per site (the correction must arrive after the first report), the sites side
        # by side: one after another, 7,000 reports at 35,000 sites took longer than the day.
        per_site: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for item_id, site, count in items:
            per_site[site].append((item_id, count))

        def send(site_items: tuple[str, list[tuple[str, int]]]) -> None:
            site, reports = site_items
            for item_id, count in reports:
                body = {"id": item_id, "session": self.session_id, "count": count, "note": ""}
                self.post("headcount", f"/api/v1/sites/{quote(site, safe='')}/headcounts", body)

        self._run(send, per_site.items())

    def questions(self, items: list[tuple[str, str, str]]) -> None:
        def send(item: tuple[str, str, str]) -> None:
            client_id, site, text = item
            body = {"site": site, "text": text, "client_id": client_id, "session": self.session_id}
            self.post("question", "/api/v1/questions/", body)

        self._run(send, items)

    def _run(self, fn: Callable[[Any], None], items: Iterable[Any]) -> None:
        with ThreadPoolExecutor(self.workers) as pool:
            for _ in pool.map(fn, items):
                pass


class Beating(threading.Thread):
    """Every connected site's beat on schedule, beside whatever else the day is doing.

    The beats have their own thread because a site's player keeps beating while its operator
    scans, resends and asks: when the late phase (minutes at 35,000 sites) ran in the beat loop's
    turn, every site fell silent at once, was swept offline with an incident and came back in one
    mass return that no real day has. A round starts `beat_every` after the one before; a round
    that overruns is followed at once (no burst to catch up). Sites meant to drop off stop at
    `half`. The start of every round is kept, so the cadence can be checked.
    """

    def __init__(
        self,
        driver: Driver,
        plan: Plan,
        beat_every: float,
        half: float,
        say: Callable[[str], None],
    ) -> None:
        super().__init__(name="diemcau-beats", daemon=True)
        self.driver = driver
        self.plan = plan
        self.beat_every = beat_every
        self.half = half
        self.say = say
        self.rounds: list[tuple[float, int]] = []
        self.failure: BaseException | None = None
        self._stop_event = threading.Event()
        self._dropping = set(plan.drop_at_end)

    def run(self) -> None:
        try:
            next_at = time.perf_counter()
            while not self._stop_event.is_set():
                now = time.perf_counter()
                beating = [
                    c for c in self.plan.connected if now < self.half or c not in self._dropping
                ]
                self.rounds.append((now, len(beating)))
                self.driver.beat(beating)
                if len(self.rounds) % 6 == 0:
                    self.say(f"vòng {len(self.rounds)}: {len(beating)} điểm cầu gửi nhịp")
                next_at = max(next_at + self.beat_every, time.perf_counter())
                self._stop_event.wait(next_at - time.perf_counter())
        except BaseException as exc:  # re-raised by stop(): a dead beat thread must not pass
            self.failure = exc

    def stop(self) -> None:
        """End after the round in flight; raise what ended the thread early, if anything did."""
        self._stop_event.set()
        self.join()
        self.driver.tally.beat_rounds = [at for at, _n in self.rounds]
        if self.failure is not None:
            raise RuntimeError("the heartbeat thread failed") from self.failure


def play(
    driver: Driver, plan: Plan, minutes: float, beat_every: float, say: Callable[[str], None]
) -> float:
    """Run the day; returns the wall time. Check-ins are spread over the first half.

    The beats run in their own thread all day (`Beating`); this thread sends one part of the
    scans every `beat_every` seconds, then the late phase, then waits for the end of the day.
    """
    started = time.perf_counter()
    deadline = started + minutes * 60
    half = started + minutes * 30
    parts = max(1, int(minutes * 30 / beat_every))
    chunk = max(1, -(-len(plan.scans) // parts))
    pending = [plan.scans[i : i + chunk] for i in range(0, len(plan.scans), chunk)]
    beats = Beating(driver, plan, beat_every, half, say)
    beats.start()
    try:
        for number, part in enumerate(pending, start=1):
            driver.checkins(part)
            if number % 6 == 0:
                say(f"đã gửi {number}/{len(pending)} phần quét")
            time.sleep(max(0.0, started + number * beat_every - time.perf_counter()))
        say("quét lúc mất mạng, gửi lại lô, số người dự, câu hỏi")
        driver.checkins(plan.late_scans, "checkin_late")
        resend = [s for s in plan.scans if s[2] in plan.resent_sites]
        driver.checkins(resend, "checkin_resend")
        driver.headcounts(plan.headcounts)
        driver.questions(plan.questions)
        driver.questions(plan.question_resends)
        time.sleep(max(0.0, deadline - time.perf_counter()))
    finally:
        beats.stop()
    return time.perf_counter() - started


def keep_beating(
    driver: Driver, plan: Plan, seconds: float, beat_every: float, say: Callable[[str], None]
) -> None:
    """Only the sites meant to stay keep beating, until the silent ones must show offline."""
    staying = [c for c in plan.connected if c not in plan.drop_at_end]
    say(f"chờ {seconds:.0f} s để các điểm cầu im lặng chuyển sang mất kết nối")
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        now = time.perf_counter()
        driver.beat(staying)
        time.sleep(
            max(0.0, min(beat_every, end - time.perf_counter()) - (time.perf_counter() - now))
        )
