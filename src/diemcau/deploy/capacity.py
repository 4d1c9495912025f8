"""How many servers, cores and relays an event needs: measured costs × the day's peak rates.

Every cost is a figure measured on this project's 2-core reference machine by a bench in bench/
(named beside it); every rate comes from an assumption stated here and printed with the result,
so an organiser can disagree with one and change it. The model is checked against the full-scale
simulation (bench/README.md, "Capacity"): the rates the simulation sustained on one 2-core
machine must come out at ≤ 2 cores.
"""

import math
from dataclasses import dataclass, field

# CPU seconds per unit of work on one core, and where the figure was measured.
COSTS: dict[str, tuple[float, str]] = {
    # An upper bound: the 2 cores that carried 2,200 beats/s also ran the load generator.
    "heartbeat": (2 / 2200, "bench_heartbeats.py: 2,200 beats/s on 2 shared cores"),
    "checkin_scan": (
        1 / 18_593,
        "bench_checkins.py: scans per server CPU-second, batches of 1,000",
    ),
    "quiz_submission": (1 / 872.7, "bench_assessment.py: submissions per server CPU-second"),
    "console_poll": (0.0091, "bench_console_live.py: 9.1 ms a call, PostgreSQL median"),
    "page": (0.05, "bench_operations_pages.py: ~50 ms a dashboard page"),
}


@dataclass(frozen=True)
class Assumptions:
    heartbeat_every_s: float = 5.0  # every console
    console_poll_every_s: float = 60.0  # the console's live state (running count, answers)
    checkin_share: float = 0.8  # delegates scanned in at the morning session
    checkin_window_s: float = 20 * 60  # … within the 20 minutes before it starts
    quiz_share: float = 0.5  # delegates submitting the quiz…
    quiz_window_s: float = 30 * 60  # … within 30 minutes after the last session
    organisers: int = 400  # central, province and commune organisers watching dashboards
    page_every_s: float = 10.0  # an open dashboard refreshes
    bitrate_kbps: int = 1_500  # the rung most sites play (720p); ~90 on the audio rung
    # Catch-up: delegates watching a session's recording on their own page, through their
    # site's relays, at the same moment as a live session (day 2 while day 1 is watched again).
    catchup_share: float = 0.01  # of all delegates, at once
    catchup_kbps: int = 1_096  # the 480p rung with its sound: phones and home links
    relay_mbps: int = 1_000  # a relay's link
    utilisation: float = 0.6  # plan servers and relays to run at most this full at the peak
    cores_per_server: int = 4
    db_row_bytes: int = 200


@dataclass
class Plan:
    sites: int
    delegates: int
    rates: dict[str, float]
    cores: dict[str, float]
    total_cores: float
    app_servers: int
    db_writes_per_s: float
    relays: int
    relay_egress_gbps: float  # live and catch-up together
    catchup_viewers: int = 0
    catchup_egress_gbps: float = 0.0
    notes: list[str] = field(default_factory=list)


def plan(sites: int, delegates: int, a: Assumptions | None = None) -> Plan:
    a = a or Assumptions()
    rates = {
        "heartbeat": sites / a.heartbeat_every_s,
        "console_poll": sites / a.console_poll_every_s,
        "checkin_scan": delegates * a.checkin_share / a.checkin_window_s,
        "quiz_submission": delegates * a.quiz_share / a.quiz_window_s,
        "page": a.organisers / a.page_every_s,
    }
    # The check-in peak and the quiz peak are hours apart: plan for the larger of the two
    # beside what runs all day.
    cores = {kind: rate * COSTS[kind][0] for kind, rate in rates.items()}
    steady = cores["heartbeat"] + cores["console_poll"] + cores["page"]
    peak = steady + max(cores["checkin_scan"], cores["quiz_submission"])
    usable = a.cores_per_server * a.utilisation
    servers = max(2, math.ceil(peak / usable) + 1)  # N+1: the day survives a server's death
    # Rows written per second: a history row per beat (flushed in batches), a row per check-in,
    # an attempt and a completion mark per quiz submission.
    writes = rates["heartbeat"] + max(rates["checkin_scan"], rates["quiz_submission"] * 2)
    # Relays serve catch-up like live (a recording's segments are cached there like live ones:
    # the origin sends each once per relay, bench_recordings.py), so both count on their links.
    catchup_viewers = round(delegates * a.catchup_share)
    catchup_gbps = catchup_viewers * a.catchup_kbps / 1e6
    egress_gbps = sites * a.bitrate_kbps / 1e6 + catchup_gbps
    relays = math.ceil(egress_gbps * 1000 / (a.relay_mbps * a.utilisation))
    notes = [
        f"{kind}: {rate:,.0f}/s × {COSTS[kind][0] * 1000:.3f} ms CPU ({COSTS[kind][1]})"
        for kind, rate in rates.items()
    ]
    return Plan(
        sites=sites,
        delegates=delegates,
        rates=rates,
        cores=cores,
        total_cores=peak,
        app_servers=servers,
        db_writes_per_s=writes,
        relays=relays,
        relay_egress_gbps=egress_gbps,
        catchup_viewers=catchup_viewers,
        catchup_egress_gbps=catchup_gbps,
        notes=notes,
    )
