"""What the audit trail costs the hot paths: check-in batches and heartbeats, trail on vs off.

    .venv/bin/python bench/bench_audit.py                       # ~2 minutes
    .venv/bin/python bench/bench_audit.py --delegates 5000 --duration 2 --runs 1   # smoke
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_audit.py

It builds a temporary data folder (SQLite; with DATABASE_URL a throwaway database
`diemcau_bench_audit_<pid>` beside the named one): the real tree, `--sites` sites, `--delegates`
delegates (written as the import writes them), one conference day per run and mode so that every
run checks in the same delegates afresh, a central organiser and their token.

Then, in the same run, two real servers (`diemcau up --no-demo --workers 2`) side by side on the
same database: one with the audit trail (the default) and one with DIEMCAU_AUDIT=0 (models not
registered, the middleware steps aside, record_event does nothing). Loads alternate between them
(on, off, on, off…) so that the shared machine's drift hits both alike:

- check-in batches: every delegate's scan for that run's session, `--batch` scans per request
  from `--clients` threads (bench_checkins.drive);
- heartbeats, for `--duration` seconds each from wrk as fast as the server answers (64
  connections), through the fast path in front of Django (the default), then through Django
  itself (a second pair of servers with DIEMCAU_HEARTBEAT_FASTPATH=0: every beat through the
  middleware, where the trail's context is set).

Then the same two requests inside this process through Django's whole stack (middleware, URL
resolver, django-ninja, the services), trail on and off interleaved request by request, timed in
CPU seconds of the calling thread: `--inproc-sessions` sessions of check-in batches and
`--beats` heartbeats. On a shared, loaded machine this is the steadier figure.

Each server figure is the median of `--runs`, with the server's CPU seconds per 1,000 scans or beats
(a ratio that the machine's other work disturbs less than wall-clock rates). `on_vs_off` is
on / off for throughput (1.0 = no cost; the issue allows 0.95) and for CPU per unit (1.0 = no
cost). The trail writes no entry for either path (checked: entries written during the loads).
JSON goes to stdout and bench/results/audit.json (one entry per database vendor).
"""

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from common import add_out_argument, free_port, save, stop, throwaway_data, wait_up  # noqa: E402 - a sibling module of this script

DIEMCAU = str(ROOT / ".venv" / "bin" / "diemcau")
FIRST_DAY = dt.date(2025, 5, 1)
BEAT = (
    '{"site":"%s","session":"S1","playing":true,"buffer":7.5,"bitrate":2500,'
    '"dropped_frames":0,"latency":1800,"queued":0,"version":"bench"}'
)


def setup(args: argparse.Namespace, days: int) -> dict[str, Any]:
    import django

    django.setup()
    from bench_checkins import create_delegates
    from bench_delegates_import import create_sites
    from django.core.management import call_command
    from django.db import connection

    from diemcau.accounts.services import add_user, issue_token
    from diemcau.attendance.services import refresh_registered
    from diemcau.programme.models import Conference, Day, Session
    from diemcau.sites.models import Site
    from diemcau.units.services import load_units

    call_command("migrate", interactive=False, verbosity=0)
    load_units()
    create_sites(args.sites, 2025)
    sites = list(Site.objects.order_by("pk").values_list("pk", "province_id"))
    create_delegates(args.delegates, [pk for pk, _ in sites], dict(sites))
    last = FIRST_DAY + dt.timedelta(days=days - 1)
    conference = Conference.objects.create(
        slug="bench-audit", name="Hội nghị", host="BTC", starts_on=FIRST_DAY, ends_on=last
    )
    sessions = []
    for i in range(days):
        day = Day.objects.create(conference=conference, date=FIRST_DAY + dt.timedelta(days=i))
        session = Session.objects.create(
            day=day, title="Sáng", starts_at=dt.time(8), ends_at=dt.time(11)
        )
        sessions.append((session.pk, day.date))
    refresh_registered()
    add_user("bench", "central_organiser", None, password="x" * 12)
    token = issue_token("bench")
    codes = list(Site.objects.order_by("code").values_list("code", flat=True))
    connection.close()
    return {"sessions": sessions, "token": token, "codes": codes}


def bodies_for(session: int, day: dt.date, batch: int) -> list[bytes]:
    """Every delegate's scan for one session, in site order, as the consoles send them."""
    from django.db import connection

    from diemcau.delegates.badge_token import payload_for
    from diemcau.delegates.models import Delegate

    rows = Delegate.objects.order_by("site_id", "pk").values_list("code", "secret", "site__code")
    scans = []
    for i, (code, secret, site) in enumerate(rows.iterator(chunk_size=20_000)):
        at = f"{day.isoformat()}T08:{(i // 60) % 60:02d}:{i % 60:02d}+07:00"
        scans.append(
            f'{{"id":"{uuid.uuid4()}","badge":"{payload_for(code, secret)}","site":"{site}",'
            f'"session":{session},"scanned_at":"{at}"}}'
        )
    connection.close()
    return [
        ('{"scans":[' + ",".join(scans[i : i + batch]) + "]}").encode()
        for i in range(0, len(scans), batch)
    ]


@contextmanager
def server(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [DIEMCAU, "up", "--no-demo", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "DIEMCAU_LIVE_FLUSHER": "on", **env},
    )
    proc.port = port  # type: ignore[attr-defined]
    try:
        wait_up(port, proc, timeout=120)
        yield proc
    finally:
        stop(proc, timeout=15)


def measured(pid: int, load: Callable[[], dict[str, Any]], units: str) -> dict[str, Any]:
    """A load's figures with the server's CPU seconds per 1,000 units (scans or beats)."""
    from bench_checkins import _tree_cpu_s

    before = _tree_cpu_s(pid)
    figures = load()
    used = _tree_cpu_s(pid) - before
    count = figures[units]
    figures["server_cpu_s"] = round(used, 2)
    figures["server_cpu_ms_per_1000"] = round(1000 * used * 1000 / count, 1) if count else None
    return figures


def _median(runs: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values), 1) if values else 0.0


def compare(on: list[dict[str, Any]], off: list[dict[str, Any]], rate: str) -> dict[str, Any]:
    cpu_key = "server_cpu_ms_per_1000"
    summary = {
        "on": {rate: _median(on, rate), cpu_key: _median(on, cpu_key)},
        "off": {rate: _median(off, rate), cpu_key: _median(off, cpu_key)},
        "runs_on": on,
        "runs_off": off,
    }
    throughput = summary["off"][rate]
    cpu = summary["off"]["server_cpu_ms_per_1000"]
    summary["on_vs_off"] = {
        "throughput": round(summary["on"][rate] / throughput, 3) if throughput else None,
        "cpu_per_unit": round(summary["on"]["server_cpu_ms_per_1000"] / cpu, 3) if cpu else None,
    }
    return summary


def in_process(
    args: argparse.Namespace,
    token: str,
    codes: list[str],
    sessions: list[tuple[int, dt.date]],
    spare: tuple[int, dt.date],
) -> dict[str, Any]:
    """The same two requests through Django's whole stack inside this process, trail on and off
    interleaved request by request, timed in CPU seconds of this thread: what the trail adds to
    each request, which the shared machine's other work barely disturbs (wall-clock rates of
    the servers above swing ±50 % on a loaded box)."""
    from django.test import Client, override_settings

    from diemcau.audit import registry

    def client(audit: bool) -> Client:
        with override_settings(DIEMCAU_AUDIT=audit):
            return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    clients = {"on": client(True), "off": client(False)}

    def call(mode: str, path: str, body: bytes | str) -> float:
        if mode == "off":
            registry.disconnect()
        try:
            with override_settings(DIEMCAU_AUDIT=mode == "on"):
                started = time.thread_time()
                response = clients[mode].post(path, body, content_type="application/json")
                used = time.thread_time() - started
        finally:
            if mode == "off":
                registry.connect()
        assert response.status_code == 200, response.content[:300]
        return used

    warm = bodies_for(*spare, args.batch)[0]
    for mode in ("on", "off"):  # first calls fill caches: not timed
        call(mode, "/api/v1/checkins", warm)
        call(mode, "/api/v1/heartbeats", BEAT % codes[0])
    cpu: dict[str, dict[str, list[float]]] = {"checkins": {"on": [], "off": []},
                                               "heartbeats": {"on": [], "off": []}}  # fmt: skip
    for j, (session, day) in enumerate(sessions):
        bodies = bodies_for(session, day, args.batch)
        for i, body in enumerate(bodies):  # alternate: on, off, on… then off, on, off…
            mode = "on" if (i + j) % 2 == 0 else "off"
            cpu["checkins"][mode].append(call(mode, "/api/v1/checkins", body))
    for i in range(args.beats):
        body = BEAT % codes[i % len(codes)]
        for mode in ("on", "off") if i % 2 == 0 else ("off", "on"):
            cpu["heartbeats"][mode].append(call(mode, "/api/v1/heartbeats", body))

    def figures(path: str, per: str) -> dict[str, Any]:
        on, off = cpu[path]["on"], cpu[path]["off"]
        med_on, med_off = statistics.median(on), statistics.median(off)
        return {
            "requests_each": min(len(on), len(off)),
            f"cpu_ms_per_{per}_on": round(1000 * med_on, 3),
            f"cpu_ms_per_{per}_off": round(1000 * med_off, 3),
            "on_vs_off_cpu": round(med_on / med_off, 3),
            "mean_on_vs_off_cpu": round(statistics.fmean(on) / statistics.fmean(off), 3),
        }

    return {
        "checkin_batch": figures("checkins", "batch"),
        "heartbeat_through_django": figures("heartbeats", "beat"),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench_checkins import drive
    from bench_heartbeats import load_wrk

    made = setup(args, days=2 * args.runs + 1 + args.inproc_sessions)
    token, codes, sessions = made["token"], made["codes"], made["sessions"]

    from django.db import connection

    from diemcau.audit.models import Entry

    results: dict[str, Any] = {
        "database": connection.vendor,
        "sites": args.sites,
        "delegates": args.delegates,
        "batch": args.batch,
        "clients": args.clients,
        "heartbeat_seconds": args.duration,
        "runs": args.runs,
        "workers": 2,
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    entries_before = Entry.objects.count()
    connection.close()
    modes = {"on": {"DIEMCAU_AUDIT": "1"}, "off": {"DIEMCAU_AUDIT": "0"}}
    checkins: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    fast: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    with server(modes["on"]) as on, server(modes["off"]) as off:
        procs = {"on": on, "off": off}
        warm = bodies_for(*sessions[2 * args.runs], args.batch)[:4]
        for proc in procs.values():  # warm both workers of each, not timed
            drive(proc.port, token, warm, 2, reconnect=True)  # type: ignore[attr-defined]
            load_wrk(proc.port, token, codes, 1_000_000, 1)  # type: ignore[attr-defined]
        for r in range(args.runs):
            order = ("on", "off") if r % 2 == 0 else ("off", "on")
            for i, mode in enumerate(order):
                proc = procs[mode]
                bodies = bodies_for(*sessions[2 * r + i], args.batch)
                checkins[mode].append(
                    measured(
                        proc.pid,
                        lambda p=proc, b=bodies: drive(
                            p.port, token, b, args.clients, reconnect=True
                        ),  # type: ignore[misc]
                        "accepted",
                    )
                )
            for mode in order:
                proc = procs[mode]
                fast[mode].append(
                    measured(
                        proc.pid,
                        lambda p=proc: load_wrk(p.port, token, codes, 1_000_000, args.duration),  # type: ignore[misc]
                        "sent",
                    )
                )
    slow: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    django_path = {"DIEMCAU_HEARTBEAT_FASTPATH": "0"}
    with (
        server({**modes["on"], **django_path}) as on,
        server({**modes["off"], **django_path}) as off,
    ):
        procs = {"on": on, "off": off}
        for proc in procs.values():
            load_wrk(proc.port, token, codes, 1_000_000, 1)  # type: ignore[attr-defined]
        for r in range(args.runs):
            for mode in ("on", "off") if r % 2 == 0 else ("off", "on"):
                proc = procs[mode]
                slow[mode].append(
                    measured(
                        proc.pid,
                        lambda p=proc: load_wrk(p.port, token, codes, 1_000_000, args.duration),  # type: ignore[misc]
                        "sent",
                    )
                )
    results["checkin_batches"] = compare(checkins["on"], checkins["off"], "scans_per_s")
    results["heartbeats_fast_path"] = compare(fast["on"], fast["off"], "achieved_rate")
    results["heartbeats_through_django"] = compare(slow["on"], slow["off"], "achieved_rate")
    results["errors"] = sum(
        r["errors"] for group in (checkins, fast, slow) for runs in group.values() for r in runs
    )
    results["in_process_cpu"] = in_process(
        args, token, codes, sessions[2 * args.runs + 1 :], spare=sessions[2 * args.runs]
    )
    results["audit_entries_written_during_loads"] = Entry.objects.count() - entries_before
    results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    connection.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=int, default=30_000)
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--batch", type=int, default=500, help="Scans per check-in request")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=int, default=5, help="Seconds per heartbeat load")
    parser.add_argument("--runs", type=int, default=3, help="Alternating on/off rounds")
    parser.add_argument(
        "--inproc-sessions", type=int, default=4, help="Sessions of check-ins timed in-process"
    )
    parser.add_argument("--beats", type=int, default=2000, help="Heartbeats timed in-process")
    add_out_argument(parser, "audit.json")
    args = parser.parse_args()
    os.environ["DIEMCAU_LIVE_PREFIX"] = f"diemcau:bench-audit:{os.getpid()}:"
    with throwaway_data("audit", live_flusher=True):
        # The servers flush heartbeats; this process (whose in-process part swaps settings)
        # does not: its flusher thread would read them half-swapped.
        os.environ["DIEMCAU_LIVE_FLUSHER"] = "off"
        results = run(args)
    save(results, args.out)


if __name__ == "__main__":
    main()
