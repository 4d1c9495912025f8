"""The day on several app servers behind the nginx front, on PostgreSQL + Redis, reconciled —
and again with one app server killed (kill -9) in the middle of the check-in peak and started
again. Baseline in the same run: one app server, no front.

    .venv/bin/python bench/bench_scaleout.py                          # 35,000 sites, 3 M delegates
    .venv/bin/python bench/bench_scaleout.py --sites 2000 --delegates 100000 --minutes 1   # small

Each variant gets a fresh PostgreSQL database (dropped after), a Redis database of its own,
a fresh data folder; the servers are `diemcau up --no-demo --no-demo-day --no-worker`, the front
is the file `diemcau deploy-config` writes (its listen port changed), the day is
`diemcau simulate` pointed at the front. The killed variant sends SIGKILL to every process of one
server (granian and its workers) once the simulation says the check-ins have started plus
`--kill-after` seconds, and starts that server again `--down-for` seconds later. The simulation's
clients retry what got no answer (a 502 from the front included), with the same scan UUIDs.

JSON: bench/results/scaleout.json (or --out).
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def say(text: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
    sys.stderr.flush()


def wait_up(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/login/", timeout=3):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


def start_front(work: Path, ports: list[int], run: Any) -> tuple[subprocess.Popen[bytes], int]:
    """The nginx front `diemcau deploy-config` writes, over `ports`, on a free loopback port."""
    front_port = free_port()
    deploy = work / "deploy"
    hosts = [a for p in ports for a in ("--app-host", f"127.0.0.1:{p}")]
    run("deploy-config", "-o", str(deploy), "--public-url", "http://127.0.0.1", *hosts,
        capture_output=True)  # fmt: skip
    front = (deploy / "nginx-diemcau.conf").read_text()
    front = front.replace("listen 80;", f"listen 127.0.0.1:{front_port};")
    front = front.replace("/var/log/nginx", str(work)).replace("allow 10.0.0.0/8;", "")
    conf = work / "nginx.conf"
    conf.write_text(
        f"pid {work}/nginx.pid;\nworker_processes 1;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\naccess_log off;\n{front}\n}}\n"
    )
    nginx = subprocess.Popen(  # noqa: S603 - the Debian nginx
        ["/usr/sbin/nginx", "-p", str(work), "-e", str(work / "error.log"), "-c", str(conf),
         "-g", "daemon off;"]
    )  # fmt: skip
    wait_up(f"http://127.0.0.1:{front_port}")
    return nginx, front_port


class Variant:
    def __init__(
        self,
        name: str,
        servers: int,
        front: bool,
        work: Path,
        *,
        db_prefix: str = "bench_scale",
        redis_db: int | None = None,
    ) -> None:
        self.name, self.servers, self.front = name, servers, front
        self.work = work / name
        self.work.mkdir(parents=True, exist_ok=True)
        self.db = f"{db_prefix}_{name}"
        redis_n = redis_db if redis_db is not None else (14 if front else 13)
        self.keep = False
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        self.env.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{self.db}",
            REDIS_URL=f"redis://127.0.0.1:6379/{redis_n}",
            DIEMCAU_DATA_DIR=str(self.work / "data"),
            DIEMCAU_DEMO="0",
            DIEMCAU_PUBLIC_URL="https://hoinghi.example.gov.vn",
        )
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.nginx: subprocess.Popen[bytes] | None = None

    def run(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - fixed argv
            [str(BIN / "diemcau"), *args], env=self.env, text=True, check=True, **kw
        )

    def setup(self) -> None:
        with psycopg.connect(**PG, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.db}"')
        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        self.run("manage", "migrate", "-v0")
        self.run("load-units", capture_output=True)

    def start_server(self, port: int) -> None:
        log = (self.work / f"server-{port}.log").open("ab")
        self.procs[port] = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                *(str(BIN / "diemcau"), "up", "--no-demo", "--no-demo-day", "--no-worker"),
                *("--workers", "1", "--port", str(port)),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 reaches granian's workers
        )
        wait_up(f"http://127.0.0.1:{port}")

    def kill_server(self, port: int) -> None:
        os.killpg(self.procs[port].pid, signal.SIGKILL)
        self.procs[port].wait()

    def start(self) -> str:
        ports = [free_port() for _ in range(self.servers)]
        for port in ports:
            self.start_server(port)
        if not self.front:
            return f"http://127.0.0.1:{ports[0]}"
        self.nginx, front_port = start_front(self.work, ports, self.run)
        self.ports = ports
        return f"http://127.0.0.1:{front_port}"

    def stop(self) -> None:
        self.stop_processes()
        if self.keep:  # left for the backup/restore bench at this scale
            say(f"{self.name}: database {self.db} and {self.work / 'data'} kept")
            return
        with psycopg.connect(**PG, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')

    def stop_processes(self) -> None:
        for port in list(self.procs):
            try:
                os.killpg(self.procs[port].pid, signal.SIGTERM)
                self.procs[port].wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.procs[port].pid, signal.SIGKILL)
        if self.nginx is not None:
            self.nginx.terminate()
            self.nginx.wait()


class Backlog:
    """Every 5 s: the beats waiting in Redis for a flusher and how long the oldest has waited
    (the flusher's lag, as /metrics gives it), and the machine's load average."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.samples: list[tuple[float, int, float, float]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()
        self.thread.start()

    def _run(self) -> None:
        key = "diemcau:live:pending"
        while not self.stop.wait(5.0):
            try:
                waiting = int(self.client.llen(key))
                oldest = self.client.lindex(key, 0)
                lag = time.time() - float(json.loads(oldest)[1]) if oldest else 0.0
            except (redis.RedisError, ValueError, IndexError):
                continue
            at = time.monotonic() - self.started
            self.samples.append((round(at, 1), waiting, round(lag, 1), os.getloadavg()[0]))

    def figures(self) -> dict[str, Any]:
        self.stop.set()
        self.thread.join()
        if not self.samples:
            return {}
        return {
            "max_backlog_beats": max(s[1] for s in self.samples),
            "max_flush_lag_s": max(s[2] for s in self.samples),
            "last_flush_lag_s": self.samples[-1][2],
            "max_loadavg_1m": round(max(s[3] for s in self.samples), 2),
            "samples_every_5s": self.samples,
        }


def simulate(v: Variant, server: str, args: argparse.Namespace, kill: bool) -> dict[str, Any]:
    out = v.work / "simulation.json"
    backlog = Backlog(v.env["REDIS_URL"])
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            str(BIN / "diemcau"),
            "simulate",
            "--server",
            server,
            "--sites",
            str(args.sites),
            "--delegates",
            str(args.delegates),
            "--minutes",
            str(args.minutes),
            "--json-out",
            str(out),
            *(["--questions", str(args.questions)] if args.questions else []),
        ],
        env=v.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed: dict[str, Any] = {}
    assert proc.stderr is not None
    for line in proc.stderr:
        sys.stderr.write(f"  {v.name}: {line}")
        if kill and not killed and "kế hoạch:" in line:  # prepared: the day starts now

            def strike() -> None:
                time.sleep(args.kill_after)
                victim = v.ports[1]
                say(f"kill -9 the app server on port {victim}")
                killed["at_s"] = args.kill_after
                v.kill_server(victim)
                time.sleep(args.down_for)
                started = time.perf_counter()
                v.start_server(victim)
                killed["restart_s"] = round(time.perf_counter() - started, 1)
                say(f"app server on port {victim} back after {killed['restart_s']} s")

            killed["thread"] = threading.Thread(target=strike, daemon=True)
            killed["thread"].start()
    code = proc.wait()
    if "thread" in killed:
        killed.pop("thread").join()
    figures = json.loads(out.read_text()) if out.exists() else {}
    figures["exit_code"] = code
    figures["live_backlog"] = backlog.figures()
    if kill:
        figures["killed"] = killed
    return figures


def keep_figures(out: Path, results: dict[str, Any]) -> None:
    """Into `out`, beside the variants an earlier run at the same scale measured."""
    stored: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    kept = stored.get("postgresql+redis", {})
    same = all(kept.get(k) == results[k] for k in ("sites", "delegates", "minutes"))
    stored["postgresql+redis"] = {**kept, **results} if same else results
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=35_000)
    parser.add_argument("--delegates", type=int, default=3_000_000)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--kill-after", type=float, default=30.0)
    parser.add_argument("--down-for", type=float, default=5.0)
    parser.add_argument("--variants", default="one,front,killed")
    parser.add_argument(
        "--questions",
        type=int,
        default=3000,
        help="At most this many questions (0: all, ~10,000 at 35,000 sites)",
    )
    work = Path(tempfile.gettempdir()) / "diemcau-scaleout"
    parser.add_argument("--work", type=Path, default=work)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scaleout.json")
    parser.add_argument("--runs", type=int, default=1, help="(one run: each day is minutes long)")
    parser.add_argument(
        "--keep", default="", help="variants whose database and data folder stay (e.g. killed)"
    )
    parser.add_argument(
        "--db-prefix",
        default="bench_scale",
        help="PostgreSQL database <prefix>_<variant>, dropped and made afresh: one of your own",
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=None,
        help="Redis database number, flushed first (default 13, 14 behind the front)",
    )
    args = parser.parse_args()
    results: dict[str, Any] = {
        "sites": args.sites,
        "delegates": args.delegates,
        "minutes": args.minutes,
        "questions_cap": args.questions or None,
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    plan = {
        "one": (1, False, False),
        "front": (args.servers, True, False),
        "killed": (args.servers, True, True),
    }
    for name in args.variants.split(","):
        servers, front, kill = plan[name]
        v = Variant(
            name, servers, front, args.work, db_prefix=args.db_prefix, redis_db=args.redis_db
        )
        v.keep = name in args.keep.split(",")
        say(f"{name}: {servers} app server(s){' behind nginx' if front else ''}")
        load = [round(x, 2) for x in os.getloadavg()]
        started = time.perf_counter()
        try:
            v.setup()
            server = v.start()
            results[name] = {"servers": servers, **simulate(v, server, args, kill)}
        finally:
            v.stop()
        day = results[name]
        day["wall_s"] = round(time.perf_counter() - started, 1)
        day["loadavg_before"] = load
        day["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        say(f"{name}: mismatches {day.get('mismatches')}, errors {len(day.get('errors', []))}")
        keep_figures(args.out, results)  # after each variant: a later one may not finish
    sys.stdout.write(json.dumps(results, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
