"""The periodic job: escalations and due reminders, every few seconds, in the background worker.

`diemcau worker` (and so `diemcau up`, which starts one beside the server) runs `tick` on a thread
of its own every DIEMCAU_ALERTS_TICK_S seconds (5 by default; 0 turns it off). Several workers
may tick at once: each job takes its lock row first (services._lock), so ticks follow one another,
and every message has an idempotency key besides. `diemcau alerts check` runs one tick by hand.
"""

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)


def interval() -> float:
    value = getattr(settings, "DIEMCAU_ALERTS_TICK_S", None)
    if value is None:
        value = os.environ.get("DIEMCAU_ALERTS_TICK_S", "5")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 5.0


@dataclass
class TickResult:
    escalations: dict[str, Any]
    reminders: int
    reminder_messages: int
    took_ms: float


def tick() -> TickResult:
    from diemcau.alerts import reminders, services

    started = time.perf_counter()
    checked = services.check_escalations()
    sent = reminders.send_due()
    return TickResult(
        escalations=checked.as_dict(),
        reminders=sent.reminders,
        reminder_messages=sent.messages,
        took_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def _forever(every: float, stop: threading.Event) -> None:
    while not stop.is_set():
        started = time.monotonic()
        try:
            close_old_connections()
            tick()
        except Exception:
            log.exception("alerts tick failed; trying again in %s s", every)
        stop.wait(max(0.0, every - (time.monotonic() - started)))


def start_in_background(every: float | None = None) -> threading.Event | None:
    """Start the ticking thread (daemon); returns the event that stops it, or None when off."""
    every = interval() if every is None else every
    if every <= 0:
        return None
    stop = threading.Event()
    threading.Thread(
        target=_forever, args=(every, stop), name="diemcau-alerts-tick", daemon=True
    ).start()
    log.info("alerts: escalations and reminders checked every %s s", every)
    return stop
