"""Heartbeats under load on the real server, and the operations dashboard's roll-up.

    .venv/bin/python bench/bench_heartbeats.py [--duration 60] [--rate 2200] [--sites 11000]
    .venv/bin/python bench/bench_heartbeats.py --duration 300 --no-naive     # the issue's figure
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/bench_heartbeats.py

It builds a temporary data folder (SQLite; with DATABASE_URL a throwaway database
`diemcau_bench_hb_<pid>` beside the named one), loads 11,000 demo sites (`diemcau demo-data`), a
central organiser and their token, then starts the real server (`diemcau up --no-demo --workers
2`) and drives `--rate` single heartbeats per second at it, rotating over every site code (each
site then beats every 5 s at 2,200/s). The load generator runs on the same machine with 64
keep-alive connections: by default wrk (C, light on the shared CPU), paced by a Lua script on
a fixed schedule so the rate is --rate unless the server falls behind (latency is counted from
the send, as wrk does; a slot already past is sent at once), or
with --client python an open-loop asyncio client whose latency counts from each request's
scheduled time (a stalled server is not hidden by a waiting client, but the client itself costs
CPU on a 2-core box).

Baselines in the same run (unless --no-naive), each for --naive-duration seconds: the same
server with the fast path in front of Django switched off (DIEMCAU_HEARTBEAT_FASTPATH=0, every
beat through the middleware, URL resolver and django-ninja), and the same server with the
heartbeat service replaced by a naive one that writes one history row and updates the site's
live row per request (bench/naive_heartbeat_wsgi.py), driven the same way.

Roll-up: `rollup.status` for the whole country and for Hà Nội after the load, against a naive
3-join GROUP BY that derives each site's state from its latest history row. Medians of --runs.
JSON goes to stdout and bench/results/heartbeats.json (one entry per database vendor).
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from common import add_out_argument, free_port, save, stop, throwaway_data, wait_up  # noqa: E402 - a sibling module of this script

DIEMCAU = str(ROOT / ".venv" / "bin" / "diemcau")
CONNECTIONS = 64
BODY = (
    '{{"site":"{code}","session":"S1","playing":true,"buffer":7.5,"bitrate":2500,'
    '"dropped_frames":0,"latency":1800,"queued":0,"version":"bench"}}'
)


def _run(*args: str) -> str:
    done = subprocess.run(args, check=True, capture_output=True, text=True, env=os.environ.copy())  # noqa: S603 - fixed argv
    return done.stdout.strip()


# -- load generator ------------------------------------------------------------------------
async def _connection(
    *,
    port: int,
    token: str,
    codes: list[str],
    offset: int,
    interval: float,
    start: float,
    end: float,
    warmup_end: float,
    out: dict[str, Any],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    loop = asyncio.get_running_loop()
    i = 0
    n = len(codes)
    while True:
        scheduled = start + i * interval
        if scheduled >= end:
            break
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        body = BODY.format(code=codes[(offset + i * CONNECTIONS) % n]).encode()
        request = (
            f"POST /api/v1/heartbeats HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            ok = head.startswith(b"HTTP/1.1 200")
        except (OSError, asyncio.IncompleteReadError):
            ok = False
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        if scheduled >= warmup_end:
            out["latencies"].append(loop.time() - scheduled)
            out["sent"] += 1
            out["errors"] += 0 if ok else 1
        i += 1
    writer.close()


async def _drive(
    *, port: int, token: str, codes: list[str], rate: float, duration: float, warmup: float
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    out: dict[str, Any] = {"latencies": [], "sent": 0, "errors": 0}
    interval = CONNECTIONS / rate
    start = loop.time() + 0.5
    end = start + warmup + duration
    tasks = [
        _connection(
            port=port,
            token=token,
            codes=codes,
            offset=c,
            interval=interval,
            start=start + c * interval / CONNECTIONS,
            end=end,
            warmup_end=start + warmup,
            out=out,
        )
        for c in range(CONNECTIONS)
    ]
    await asyncio.gather(*tasks)
    elapsed = loop.time() - (start + warmup)  # until the last answer, not the last schedule
    lat = sorted(out["latencies"])

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else 0.0

    return {
        "duration_s": duration,
        "target_rate": rate,
        "sent": out["sent"],
        "elapsed_s": round(elapsed, 2),
        "achieved_rate": round(out["sent"] / elapsed, 1),
        "errors": out["errors"],
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(lat[-1] * 1000, 2) if lat else 0.0,
    }


WRK_LUA = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } diemcau_timespec;
int clock_gettime(int clk_id, diemcau_timespec *tp);
]]
local ts = ffi.new("diemcau_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local codes = {%(codes)s}
local token = "%(token)s"
local interval_ms = %(interval_ms)s
local next_at = nil
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
local i, step = 0, %(threads)d
function init(args) i = tonumber(wrk.thread:get("id")) end
function request()
  i = i + step
  local body = string.format(
    '{"site":"%%s","session":"S1","playing":true,"buffer":7.5,"bitrate":2500,' ..
    '"dropped_frames":0,"latency":1800,"queued":0,"version":"bench"}', codes[(i %% #codes) + 1])
  return wrk.format("POST", "/api/v1/heartbeats",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
-- Paced, not a fixed pause: each request of this thread takes the next slot of a fixed
-- schedule (threads/rate apart), so the server's latency does not lower the rate; a slot
-- already past is sent at once, so a slow server gets the backlog, not a gentler load.
function delay()
  local now = now_ms()
  if next_at == nil then next_at = now end
  next_at = next_at + interval_ms
  local wait = next_at - now
  if wait < 0 then return 0 end
  return wait
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"errors":%%d,"p50_us":%%d,"p90_us":%%d,' ..
    '"p99_us":%%d,"max_us":%%d}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def load_wrk(
    port: int, token: str, codes: list[str], rate: float, duration: float
) -> dict[str, Any]:
    """wrk (C, light on the shared CPU), paced: each thread sends on a fixed schedule of
    rate/threads requests per second over its keep-alive connections (LuaJIT's clock), so the
    achieved rate is the target unless the server cannot keep up."""
    threads = 2
    lua = WRK_LUA % {
        "codes": ",".join(f'"{c}"' for c in codes),
        "token": token,
        "interval_ms": f"{threads * 1000.0 / rate:.4f}",
        "threads": threads,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        out = _run(
            "wrk",
            f"-t{threads}",
            f"-c{CONNECTIONS}",
            f"-d{int(duration)}s",
            "--timeout",
            "5s",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}/api/v1/heartbeats",
        )
    finally:
        Path(script.name).unlink()
    figures = json.loads(out.split("WRKJSON ", 1)[1].splitlines()[0])
    seconds = figures["duration_us"] / 1e6
    return {
        "client": "wrk",
        "duration_s": round(seconds, 2),
        "target_rate": rate,
        "sent": figures["requests"],
        "achieved_rate": round(figures["requests"] / seconds, 1),
        "errors": figures["errors"],
        "p50_ms": figures["p50_us"] / 1000,
        "p90_ms": figures["p90_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
    }


def load(
    port: int, token: str, codes: list[str], rate: float, duration: float, *, client: str = "wrk"
) -> dict[str, Any]:
    if client == "wrk":
        return load_wrk(port, token, codes, rate, duration)
    figures = asyncio.run(
        _drive(port=port, token=token, codes=codes, rate=rate, duration=duration, warmup=3.0)
    )
    return {"client": "python-asyncio-open-loop", **figures}


# -- roll-up -------------------------------------------------------------------------------
NAIVE_ROLLUP = """
SELECT p.code, CASE
    WHEN h.id IS NULL THEN 'never'
    WHEN h.received_at < %s THEN 'offline'
    WHEN h.playing AND h.buffer_s < 2 THEN 'degraded'
    WHEN h.dropped_frames > 50 OR h.latency_ms > 8000 OR h.queued > 100 THEN 'degraded'
    ELSE 'online' END AS st, COUNT(*)
FROM sites_site s
JOIN units_unit u ON u.id = s.unit_id
LEFT JOIN units_unit p ON p.id = u.province_id
LEFT JOIN operations_heartbeatsample h ON h.site_id = s.id AND h.received_at = (
    SELECT MAX(h2.received_at) FROM operations_heartbeatsample h2 WHERE h2.site_id = s.id)
GROUP BY p.code, st
"""


def _median_ms(fn: Any, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def rollup_figures(runs: int) -> dict[str, Any]:
    import datetime as dt

    from django.db import connection

    from diemcau.accounts.scopes import Scope
    from diemcau.operations import rollup
    from diemcau.operations.models import HeartbeatSample, SiteLive
    from diemcau.units.models import Unit

    central = Scope(user_id=0, everything=True)
    hanoi = Scope(user_id=0, organiser_units=(Unit.objects.get(code="01"),))
    now = time.time()
    cutoff = connection.ops.adapt_datetimefield_value(
        dt.datetime.fromtimestamp(now - 15, tz=dt.UTC)
    )

    def naive() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(NAIVE_ROLLUP, [cutoff])
            return list(cursor.fetchall())

    fast = rollup.status(central, None, now)
    slow: dict[str, int] = {}
    for _code, state, n in naive():
        slow[state] = slow.get(state, 0) + n
    return {
        "live_rows": SiteLive.objects.count(),
        "history_rows": HeartbeatSample.objects.count(),
        "central_counts": fast["counts"],
        "naive_counts_agree": all(
            slow.get(k, 0) == v for k, v in fast["counts"].items() if k != "total"
        ),
        "rollup_central_ms": _median_ms(lambda: rollup.status(central, None, now), runs),
        "rollup_hanoi_ms": _median_ms(lambda: rollup.status(hanoi, None, now), runs),
        "naive_3join_groupby_ms": _median_ms(naive, max(3, runs // 4)),
    }


# -- main ----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--duration", type=float, default=60.0, help="Seconds of load (300 = issue)"
    )
    parser.add_argument("--naive-duration", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=2200.0, help="Heartbeats per second")
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--runs", type=int, default=21, help="Repetitions of each roll-up timing")
    parser.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk",
        help="wrk (C, paced to --rate) or an open-loop asyncio client",
    )
    parser.add_argument("--no-naive", action="store_true", help="Skip the one-row-per-beat server.")
    add_out_argument(parser, "heartbeats.json")
    args = parser.parse_args()

    os.environ["DIEMCAU_LIVE_PREFIX"] = f"diemcau:bench:{os.getpid()}:"
    with throwaway_data("hb", live_flusher=True):
        results = run(args)
    save(results, args.out)


def baselines(args: argparse.Namespace, token: str, codes: list[str]) -> dict[str, Any]:
    """The two slower servers, driven the same way for --naive-duration seconds."""
    results: dict[str, Any] = {}
    # The same server with the fast path switched off: every beat through Django.
    port = free_port()
    django_only = subprocess.Popen(  # noqa: S603 - fixed argv
        [DIEMCAU, "up", "--no-demo", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "DIEMCAU_HEARTBEAT_FASTPATH": "0"},
    )
    try:
        wait_up(port, django_only, timeout=120)
        results["django_path_no_fastpath"] = load(
            port, token, codes, args.rate, args.naive_duration, client=args.client
        )
    finally:
        stop(django_only, timeout=15)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    naive = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--blocking-threads",
            "16",
            "--no-ws",
            "naive_heartbeat_wsgi:application",
        ],
        stdout=subprocess.DEVNULL,
        env=env,
    )
    try:
        wait_up(port, naive, timeout=120)
        results["naive_one_row_per_beat"] = load(
            port, token, codes, args.rate, args.naive_duration, client=args.client
        )
    finally:
        stop(naive, timeout=15)
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    _run(DIEMCAU, "manage", "migrate", "-v0")
    _run(DIEMCAU, "demo-data", "--sites", str(args.sites))
    _run(DIEMCAU, "user", "add", "bench", "--role", "central_organiser", "--password", "x" * 12)
    token = _run(DIEMCAU, "token", "bench").splitlines()[-1]

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from diemcau.operations.models import HeartbeatSample, SiteLive
    from diemcau.sites.models import Site

    codes = list(Site.objects.order_by("code").values_list("code", flat=True))
    connection.close()
    results: dict[str, Any] = {
        # Kept per database and store: sqlite, postgresql, sqlite+redis, postgresql+redis.
        "database": connection.vendor + ("+redis" if settings.REDIS_URL else ""),
        "store": "redis" if settings.REDIS_URL else "memory",
        "sites": len(codes),
        "workers": 2,
        "connections": CONNECTIONS,
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [DIEMCAU, "up", "--no-demo", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        wait_up(port, server, timeout=120)
        results["heartbeats"] = load(
            port, token, codes, args.rate, args.duration, client=args.client
        )
        time.sleep(3)  # the last flush of each worker
        results["heartbeats"]["history_rows_after_flush"] = HeartbeatSample.objects.count()
        results["heartbeats"]["sites_live"] = SiteLive.objects.count()
        connection.close()
    finally:
        stop(server, timeout=15)
    results["loadavg_after_load"] = [round(x, 2) for x in os.getloadavg()]
    results["rollup"] = rollup_figures(args.runs)
    connection.close()

    if not args.no_naive:
        results.update(baselines(args, token, codes))
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"{os.environ['DIEMCAU_LIVE_PREFIX']}*"))
        if keys:
            client.delete(*keys)
    return results


if __name__ == "__main__":
    main()
