"""The simulated sites keep beating while the day's long phases run.

At 35,000 sites the late phase (late scans, resends, headcounts, questions) takes minutes. When it
ran in the beat loop's turn every site fell silent at once, was swept offline with an incident and
came back together: a mass churn no real day has, which held the flusher 11 minutes behind. A fake
driver records when each call happens, without a server.
"""

import itertools
import threading
import time
from typing import Any

import pytest

from diemcau.simulation.driver import Driver, play
from diemcau.simulation.plan import Plan, Scan

BEAT_EVERY = 0.1
LATE_PHASE_S = 1.5


class RecordingDriver(Driver):
    """Records every call with its time; the late phase's questions take `LATE_PHASE_S`."""

    def __init__(self, failing_beat: bool = False) -> None:
        super().__init__("http://unused.invalid", "token", 1, workers=1)
        self.calls: list[tuple[float, str, Any]] = []
        self.failing_beat = failing_beat
        self.late_phase: tuple[float, float] | None = None
        self._lock = threading.Lock()

    def _record(self, kind: str, items: Any) -> None:
        with self._lock:
            self.calls.append((time.perf_counter(), kind, items))

    def beat(self, sites: list[str]) -> None:
        if self.failing_beat:
            raise ConnectionError("the beat thread broke")
        self._record("beat", list(sites))

    def checkins(self, scans: list[Scan], kind: str = "checkin") -> None:
        self._record(kind, list(scans))

    def headcounts(self, items: list[tuple[str, str, int]]) -> None:
        self._record("headcount", list(items))

    def questions(self, items: list[tuple[str, str, str]]) -> None:
        if items and items[0][0].startswith("q-first"):
            started = time.perf_counter()
            time.sleep(LATE_PHASE_S)
            self.late_phase = (started, time.perf_counter())
        self._record("question", list(items))

    def beats(self) -> list[tuple[float, list[str]]]:
        with self._lock:
            return [(at, items) for at, kind, items in self.calls if kind == "beat"]


def small_plan() -> Plan:
    sites = [f"S{i:02d}" for i in range(10)]
    plan = Plan(connected=sites, drop_at_end={"S08", "S09"}, resent_sites={"S01"})
    plan.scans = [(f"scan-{i}", f"badge-{i}", sites[i % 10], "t") for i in range(24)]
    plan.late_scans = [("late-1", "badge-late", "S02", "t")]
    plan.headcounts = [("h-1", "S03", 40), ("h-2", "S03", 42)]
    plan.questions = [("q-first-1", "S04", "?"), ("q-2", "S05", "?")]
    plan.question_resends = [("q-2", "S05", "?")]
    return plan


def test_beats_keep_their_cadence_through_the_late_phase_and_totals_stay_exact():
    driver = RecordingDriver()
    plan = small_plan()
    play(driver, plan, minutes=0.02, beat_every=BEAT_EVERY, say=lambda _t: None)
    ended = time.perf_counter()

    # Every site keeps beating while the questions take 1.5 s (before: no beat at all then).
    assert driver.late_phase is not None
    start, end = driver.late_phase
    during = [at for at, _sites in driver.beats() if start <= at <= end]
    assert len(during) >= LATE_PHASE_S / BEAT_EVERY / 3
    times = [at for at, _sites in driver.beats()]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) < 5 * BEAT_EVERY
    assert len(driver.tally.beat_rounds) == len(times)  # the rounds the figures count

    # The sites meant to drop off are silent in the second half, the others beat to the end.
    first, last = driver.beats()[0][1], driver.beats()[-1][1]
    assert set(first) == set(plan.connected)
    assert set(last) == set(plan.connected) - plan.drop_at_end

    # Each phase sent exactly the plan's items, once.
    sent: dict[str, list[Any]] = {}
    for _at, kind, items in driver.calls:
        if kind != "beat":
            sent.setdefault(kind, []).extend(items)
    assert sorted(sent["checkin"]) == sorted(plan.scans)
    assert sent["checkin_late"] == plan.late_scans
    assert sent["checkin_resend"] == [s for s in plan.scans if s[2] in plan.resent_sites]
    assert sent["headcount"] == plan.headcounts
    assert sent["question"] == plan.questions + plan.question_resends

    # No beat after the day is over: keep_beating's silent sites must really go silent.
    count = len(driver.beats())
    time.sleep(3 * BEAT_EVERY)
    assert len(driver.beats()) == count
    assert all(at <= ended for at in times)


def test_a_broken_beat_thread_fails_the_day():
    with pytest.raises(RuntimeError, match="heartbeat thread"):
        play(RecordingDriver(failing_beat=True), small_plan(), 0.005, BEAT_EVERY, lambda _t: None)
