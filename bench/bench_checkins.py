"""Check-ins at full scale through the real server, the naive path beside it, and the summary.

    .venv/bin/python bench/bench_checkins.py                       # 11,000 sites, 1.5M delegates
    .venv/bin/python bench/bench_checkins.py --delegates 20000 --sites 300      # a small run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_checkins.py

It builds a temporary data folder (SQLite; with DATABASE_URL a throwaway database
`diemcau_bench_ci_<pid>` beside the named one), loads the units, `--sites` sites and
`--delegates` delegates (executemany / COPY through delegates.writing.Writer, as the import
does), a conference day with two sessions, a central organiser and their token. Every
delegate's badge is a real QR payload (1 scan in 50 a typed code instead).

Then the real server (`diemcau up --no-demo --workers 2`) takes every delegate's scan for
session 1 in batches of `--batch` (default 1,000) from `--clients` concurrent clients
(threads of this process; bodies are built before the clock starts; a fresh connection per
batch so that both workers get work; the naive path keeps its connections alive). A batch
holds the scans of consecutive delegates in site order, as a console or a provincial relay
sends its queue (`--scatter`: random order, each batch touching ~1,000 sites' counters).
Scan ids are random UUIDv4 as `crypto.randomUUID()` makes them (`--ids v7`: time-ordered
UUIDv7, which keep the id index append-only).

Beside it, the naive path: one request per scan (the same endpoint, a batch of one) for
`--naive` scans of session 2 from 16 clients. Then `summary` at the root (session 1 and whole
conference): median of `--runs` calls in-process and over HTTP.

The machine is shared, so beside wall-clock rates each load reports the server's CPU seconds
(granian and its workers, from /proc) and scans per CPU-second: twice that is what two free
cores would take. On PostgreSQL the database server's own CPU is not in that figure. Every
figure is checked against the tables (counts agree). JSON goes to stdout and
bench/results/checkins.json (one entry per database vendor, `+uuid7` for time-ordered ids).
"""

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from common import (  # noqa: E402 - a sibling module of this script
    add_out_argument,
    conference_day,
    free_port,
    migrated_with_units,
    save,
    sites_and_delegates,
    stop,
    throwaway_data,
    wait_up,
)

DIEMCAU = str(ROOT / ".venv" / "bin" / "diemcau")
DAY = dt.date(2025, 6, 14)
SCANNED_AT = ("2025-06-14T08:{:02d}:{:02d}+07:00", "2025-06-14T13:{:02d}:{:02d}+07:00")


# -- data ------------------------------------------------------------------------------------
def create_delegates(n: int, site_ids: list[int], provinces: dict[int, int | None]) -> None:
    """n delegates over the sites, a site's delegates with consecutive ids (as a province's or
    a site's list is imported in one go), written as the import writes them."""
    from django.db import transaction

    from diemcau.delegates.codes import codes_for
    from diemcau.delegates.writing import Writer, random_secrets, without_fk_checks

    chunk = 100_000
    with without_fk_checks(), transaction.atomic(), Writer(capacity=n) as writer:
        first = writer.first_id
        for start in range(0, n, chunk):
            count = min(chunk, n - start)
            codes = codes_for(first + start, count)
            secrets = random_secrets(count)
            rows = []
            for j in range(count):
                i = start + j
                site = site_ids[i * len(site_ids) // n]
                rows.append(
                    (first + i, codes[j], secrets[j], site, provinces[site],
                     f"Đại biểu {i}", "", "", "", "", "", f"{i:032x}", f"{i % 10000:04d}",
                     writer.now, writer.now)
                )  # fmt: skip
            writer.put(rows)


def setup(args: argparse.Namespace) -> dict[str, Any]:
    migrated_with_units()
    from django.db import connection

    from diemcau.accounts.services import add_user, issue_token
    from diemcau.attendance.services import refresh_registered

    started = time.perf_counter()
    sites_and_delegates(args.sites, args.delegates)
    data_s = time.perf_counter() - started
    sessions = conference_day(DAY, (("Sáng", 8, 11), ("Chiều", 13, 17)))
    refresh_registered()
    add_user("bench", "central_organiser", None, password="x" * 12)
    token = issue_token("bench")
    connection.close()
    return {"sessions": sessions, "token": token, "data_s": round(data_s, 1)}


def uuid7() -> str:
    """A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then random."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10)) & ((1 << 80) - 1)
    value = value & ~(0xF << 76) | 0x7 << 76  # version
    value = value & ~(0x3 << 62) | 0x2 << 62  # variant
    return str(uuid.UUID(int=value))


def scan_bodies(
    session: int, batch: int, *, scatter: bool, limit: int | None, ids: str = "v4"
) -> list[bytes]:
    """The request bodies, built before any clock starts (HMAC and JSON cost the client)."""
    from django.db import connection

    from diemcau.delegates.badge_token import payload_for
    from diemcau.delegates.models import Delegate

    order = ("?",) if scatter else ("site_id", "pk")
    make_id = uuid7 if ids == "v7" else lambda: str(uuid.uuid4())
    rows = Delegate.objects.order_by(*order).values_list("code", "secret", "site__code")
    if limit is not None:
        rows = rows[:limit]
    template = SCANNED_AT[0 if session == 1 else 1]
    scans = []
    for i, (code, secret, site) in enumerate(rows.iterator(chunk_size=20_000)):
        badge = code if i % 50 == 49 else payload_for(code, secret)
        at = template.format((i // 60) % 60, i % 60)
        scans.append(
            f'{{"id":"{make_id()}","badge":"{badge}","site":"{site}",'
            f'"session":{session},"scanned_at":"{at}"}}'
        )
    connection.close()
    return [
        ('{"scans":[' + ",".join(scans[i : i + batch]) + "]}").encode()
        for i in range(0, len(scans), batch)
    ]


# -- load ------------------------------------------------------------------------------------
def drive(
    port: int, token: str, bodies: list[bytes], clients: int, *, reconnect: bool = False
) -> dict[str, Any]:
    """POST every body once from `clients` connections; count what came back.

    With `reconnect` each request opens its own connection: granian hands a connection to one
    worker for its life, and a few long-lived ones were seen to land 3:1 on one of the two
    workers. A fresh connection per 1,000-scan batch costs ~0.2 ms and goes to the idle worker.
    """
    lock = threading.Lock()
    queue = iter(range(len(bodies)))
    latencies: list[float] = []
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0, "errors": 0}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                index = next(queue, None)
            if index is None:
                break
            started = time.perf_counter()
            if reconnect:
                conn.close()
            conn.request("POST", "/api/v1/checkins", bodies[index], headers)
            response = conn.getresponse()
            data = response.read()
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                if response.status != 200:
                    totals["errors"] += 1
                    continue
                # The three counts lead the body: no need to parse 1,000 results.
                head = json.loads(data[: data.index(b',"results"')] + b"}")
                for key in ("accepted", "duplicates", "rejected"):
                    totals[key] += head[key]
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    lat = sorted(latencies)
    scans = totals["accepted"] + totals["duplicates"] + totals["rejected"]

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else 0.0

    return {
        "requests": len(bodies),
        "clients": clients,
        "elapsed_s": round(elapsed, 2),
        "scans_per_s": round(scans / elapsed),
        "requests_per_s": round(len(bodies) / elapsed, 1),
        **totals,
        "p50_ms": pct(0.5),
        "p90_ms": pct(0.9),
        "p99_ms": pct(0.99),
    }


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants (Linux)."""
    total = 0.0
    pending = [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _with_server_cpu(pid: int, figures_of: Any) -> dict[str, Any]:
    """Run a load and add the server's CPU time: scans per CPU-second do not depend on what
    else the shared machine runs, and times 2 give what two free cores would take."""
    before = _tree_cpu_s(pid)
    figures: dict[str, Any] = figures_of()
    used = _tree_cpu_s(pid) - before
    scans = figures["accepted"] + figures["duplicates"] + figures["rejected"]
    figures["server_cpu_s"] = round(used, 2)
    figures["scans_per_server_cpu_s"] = round(scans / used) if used else None
    figures["projected_scans_per_s_on_2_free_cores"] = round(2 * scans / used) if used else None
    return figures


def _median_ms(fn: Any, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def summary_http(port: int, token: str, query: str, runs: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}"}

    def call() -> None:
        conn.request("GET", f"/api/v1/attendance/summary{query}", headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status

    try:
        return _median_ms(call, runs)
    finally:
        conn.close()


def check_and_time_summary(sessions: list[int], runs: int) -> dict[str, Any]:
    from django.db import connection

    from diemcau.accounts.scopes import Scope
    from diemcau.attendance.models import CheckIn
    from diemcau.attendance.summary import summary
    from diemcau.units.models import Unit

    central = Scope(user_id=0, everything=True)
    hanoi = Scope(user_id=0, organiser_units=(Unit.objects.get(code="01"),))
    root = summary(central, None, sessions[0])
    whole = summary(central, None, None)
    counted = {
        s: CheckIn.objects.filter(session_id=s, annulled_at__isnull=True).count() for s in sessions
    }
    figures = {
        "checkin_rows": sum(counted.values()),
        "root_session1": {k: v for k, v in root.items() if k != "children"},
        "root_children": len(root["children"]),
        "counters_agree": root["checked_in"] == counted[sessions[0]]
        and whole["checked_in"] == sum(counted.values()),
        "summary_root_session_ms": _median_ms(lambda: summary(central, None, sessions[0]), runs),
        "summary_root_whole_ms": _median_ms(lambda: summary(central, None, None), runs),
        "summary_hanoi_session_ms": _median_ms(lambda: summary(hanoi, None, sessions[0]), runs),
    }
    connection.close()
    return figures


# -- main ------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    made = setup(args)
    token, sessions = made["token"], made["sessions"]
    started = time.perf_counter()
    bodies = scan_bodies(sessions[0], args.batch, scatter=args.scatter, limit=None, ids=args.ids)
    naive = scan_bodies(sessions[1], 1, scatter=False, limit=args.naive) if args.naive else []
    results: dict[str, Any] = {
        # Kept per database, and apart for time-ordered ids: sqlite, sqlite+uuid7, postgresql…
        "database": connection.vendor + ("+uuid7" if args.ids == "v7" else ""),
        "sites": args.sites,
        "delegates": args.delegates,
        "batch": args.batch,
        "batch_order": "random order" if args.scatter else "site order",
        "scan_ids": "UUIDv7 (time-ordered)" if args.ids == "v7" else "UUIDv4 (random)",
        "data_load_s": made["data_s"],
        "bodies_s": round(time.perf_counter() - started, 1),
        "workers": 2,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [DIEMCAU, "up", "--no-demo", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        wait_up(port, server)
        warm = max(1, len(bodies) // 100)  # the first ~1 % warms both workers, not timed
        results["warm_up"] = drive(port, token, bodies[:warm], 2, reconnect=True)
        results["batches"] = _with_server_cpu(
            server.pid, lambda: drive(port, token, bodies[warm:], args.clients, reconnect=True)
        )
        if naive:
            results["naive_one_scan_per_request"] = _with_server_cpu(
                server.pid, lambda: drive(port, token, naive, 16)
            )
        results["summary_http_root_session_ms"] = summary_http(
            port, token, f"?session={sessions[0]}", args.runs
        )
        results["summary_http_root_whole_ms"] = summary_http(port, token, "", args.runs)
    finally:
        stop(server)
    results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    results["summary"] = check_and_time_summary(sessions, args.runs)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=int, default=1_500_000)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--clients",
        type=int,
        default=8,
        help="Concurrent batch senders (8 spread evenly over 2 workers)",
    )
    parser.add_argument("--naive", type=int, default=5000, help="Scans sent one per request")
    parser.add_argument("--runs", type=int, default=20, help="Summary calls per median")
    parser.add_argument(
        "--scatter", action="store_true", help="Scans in random order (each batch ~1,000 sites)"
    )
    parser.add_argument(
        "--ids", choices=["v4", "v7"], default="v4", help="Scan ids: random or time-ordered UUIDs"
    )
    add_out_argument(parser, "checkins.json")
    args = parser.parse_args()

    with throwaway_data("ci"):
        results = run(args)
    save(results, args.out)


if __name__ == "__main__":
    main()
