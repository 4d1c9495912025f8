"""Heartbeats and quiz submissions through the nginx front on 1 and on 3 app servers, side by
side in one run, on PostgreSQL + Redis: the rates behind issue 19's figures.

    .venv/bin/python bench/bench_scaleout_rates.py          # 35,000 sites, 7,000 beats/s
    .venv/bin/python bench/bench_scaleout_rates.py --sites 2000 --delegates 20000 --rate 500 \\
        --seconds 5 --quiz-seconds 3 --quiz-attempts 1000                        # a small run

A throwaway PostgreSQL database beside DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
bench_scale) gets `--sites` sites, `--delegates` delegates and a quiz as bench_assessment.py
builds them; Redis is `--redis` (flushed first). For each layout (1 app server, then 3: `diemcau
up --workers 1` each, all behind the nginx front `diemcau deploy-config` writes) it drives:

- heartbeats: wrk paced at `--rate` single beats per second for `--seconds` (35,000 sites every
  5 s = 7,000/s), rotating over every site code — achieved rate, p50/p99, errors;
- quiz submissions: wrk from 32 connections as fast as the servers answer, each to a fresh
  attempt — distinct attempts the database shows submitted per second.

Beside each: the CPU seconds the app servers and nginx used (their process trees), so a figure
per server core can be read even though the load generator and PostgreSQL share the same cores.
JSON: stdout and bench/results/scaleout_rates.json.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from common import add_out_argument, free_port, save, throwaway_data  # noqa: E402 - a sibling module of this script

DIEMCAU = str(ROOT / ".venv" / "bin" / "diemcau")


def _tree_cpu(pids: list[int]) -> float:
    from bench_checkins import _tree_cpu_s

    return sum(_tree_cpu_s(pid) for pid in pids)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Layout:
    """`n` app servers (one granian worker each) behind the nginx front."""

    def __init__(self, n: int, work: Path) -> None:
        self.n = n
        self.work = work / f"servers-{n}"
        self.work.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "DIEMCAU_DEMO": "0"}
        self.env["DIEMCAU_PUBLIC_URL"] = "https://hoinghi.example.gov.vn"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.nginx: subprocess.Popen[bytes] | None = None
        self.port = 0

    def run(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - fixed argv
            [DIEMCAU, *args], env=self.env, text=True, check=True, **kw
        )

    def __enter__(self) -> "Layout":
        from bench_scaleout import start_front
        from common import wait_up

        ports = [free_port() for _ in range(self.n)]
        for port in ports:
            log = (self.work / f"server-{port}.log").open("ab")
            argv = [DIEMCAU, "up", "--no-demo", "--no-demo-day", "--no-worker"]
            argv += ["--workers", "1", "--port", str(port)]
            proc = subprocess.Popen(  # noqa: S603 - fixed argv
                argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            self.procs.append(proc)
        try:
            for port, proc in zip(ports, self.procs, strict=True):
                wait_up(port, proc)
            self.nginx, self.port = start_front(self.work, ports, self.run)
        except BaseException:
            self.__exit__()
            for log in self.work.glob("server-*.log"):
                sys.stderr.write(f"{log}:\n{log.read_text()[-2000:]}\n")
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        from common import stop

        for proc in self.procs:
            stop(proc, timeout=20)
        if self.nginx is not None:
            stop(self.nginx, timeout=10)

    def cpu(self) -> float:
        return _tree_cpu([p.pid for p in self.procs] + ([self.nginx.pid] if self.nginx else []))


def measure(layout: Layout, units: str, drive: Any) -> dict[str, Any]:
    """Run `drive()`, and add the servers' CPU (app servers + nginx) and the machine's load."""
    load = _load()
    before = layout.cpu()
    figures: dict[str, Any] = drive()
    used = layout.cpu() - before
    done = figures[units]
    figures["loadavg_before"] = load
    figures["loadavg_after"] = _load()
    figures["server_cpu_s"] = round(used, 2)
    figures["per_server_cpu_s"] = round(done / used, 1) if used else None
    return figures


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    import redis
    from bench_assessment import setup, submissions_wrk
    from bench_heartbeats import load_wrk
    from django.db import connection

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    started = time.perf_counter()
    made = setup(args)
    from diemcau.sites.models import Site

    codes = list(Site.objects.order_by("code").values_list("code", flat=True))
    connection.close()
    results: dict[str, Any] = {
        "database": "postgresql+redis",
        "sites": len(codes),
        "delegates": args.delegates,
        "data_s": round(time.perf_counter() - started, 1),
        "target_rate": args.rate,
        "cpus": os.cpu_count(),
        "loadavg_before": _load(),
    }
    for n in args.layouts:
        with Layout(n, work) as layout:
            time.sleep(2)  # the servers' first requests warm nothing up we would measure

            def beats(port: int = layout.port) -> dict[str, Any]:
                return load_wrk(port, made["token"], codes, args.rate, args.seconds)

            hb = measure(layout, "sent", beats)
            hb["beats_per_server_cpu_s"] = hb.pop("per_server_cpu_s")
            time.sleep(3)

            def quiz(port: int = layout.port) -> dict[str, Any]:
                return submissions_wrk(made, port, args.quiz_seconds, args.quiz_attempts)

            qz = measure(layout, "distinct_attempts_submitted", quiz)
            qz["submissions_per_server_cpu_s"] = qz.pop("per_server_cpu_s")
        results[f"servers_{n}"] = {"heartbeats": hb, "quiz_submissions": qz}
        sys.stderr.write(
            f"{n} server(s): {hb['achieved_rate']} beats/s p99 {hb['p99_ms']} ms; "
            f"{qz['submissions_per_s']} submissions/s\n"
        )
    results["loadavg_after"] = _load()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=35_000)
    parser.add_argument("--delegates", type=int, default=300_000, help="(the quiz's delegates)")
    parser.add_argument("--rate", type=float, default=7_000.0, help="Heartbeats per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="Heartbeat load, each layout")
    parser.add_argument("--quiz-seconds", type=float, default=15.0)
    parser.add_argument("--quiz-attempts", type=int, default=12_000, help="Fresh, each layout")
    parser.add_argument("--layouts", type=lambda s: [int(x) for x in s.split(",")], default=[1, 3])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10")
    add_out_argument(parser, "scaleout_rates.json")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_scale")
    os.environ["REDIS_URL"] = args.redis
    with throwaway_data("rates", live_flusher=True) as tmp:
        results = run(args, Path(tmp))
    save(results, args.out)


if __name__ == "__main__":
    main()
