"""What the living demo costs a newcomer (issue 17): the time from `diemcau up` to a served page
with the demo loaded, and until the home page's live panel first changes.

    .venv/bin/python bench/bench_living_demo.py             # ~3 minutes
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_living_demo.py

In one run, each on a fresh data folder (SQLite; with DATABASE_URL a throwaway database):

- baseline: `diemcau up --no-demo --no-worker` (migrate and the tree only), until /login/ answers;
- first start: `diemcau up --no-worker`, exactly as scripts/start runs it (11,000 demo sites,
  demo accounts, then the living demo: programme dated today, 50,000 delegates through the bulk
  writer, quiz bank, questions; the demo day started in the background) until /login/ answers;
  then signed in as the demo's central organiser, /now.json polled every second until its
  figures differ from the first reading (the demo day's heartbeats, scans and questions);
- second start on the same data (re-dating only), until /login/ answers;
- that the demo day's process ends with the server (SIGTERM to the server).

JSON to stdout and bench/results/living_demo.json (one entry per database vendor).
"""

import argparse
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from common import add_out_argument, free_port, save, throwaway_data  # noqa: E402 - sibling module

DIEMCAU = str(ROOT / ".venv" / "bin" / "diemcau")
WATCHED = ("connected", "offline", "checked_in", "questions", "incidents")


def _start(args: list[str], log: Path) -> tuple[subprocess.Popen[bytes], int, float]:
    port = free_port()
    started = time.monotonic()
    out = log.open("wb")
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [DIEMCAU, "up", "--port", str(port), "--workers", "2", "--no-worker", *args],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    return proc, port, started


def _serving(port: int, proc: subprocess.Popen[bytes], started: float, timeout: float) -> float:
    """Seconds from start until /login/ answers 200 (a page through Django, not just a socket)."""
    deadline = started + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not serve in time")


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and "demo-day" in cmd:
            found.append(int(entry.name))
    return found


def _stop(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    """SIGTERM the server; how long until the demo day's child is gone too."""
    children = _children_of(proc.pid)
    proc.terminate()
    proc.wait(timeout=30)
    started = time.monotonic()
    while time.monotonic() - started < 15 and any(Path(f"/proc/{c}").exists() for c in children):
        time.sleep(0.2)
    left = [c for c in children if Path(f"/proc/{c}").exists()]
    return {
        "demo_day_processes": len(children),
        "demo_day_stopped_after_s": round(time.monotonic() - started, 1) if not left else None,
    }


def _sign_in(port: int, username: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    opener.open(f"{base}/login/", timeout=10).read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server
        f"{base}/login/", data=body, headers={"Referer": f"{base}/login/"}
    )
    opener.open(request, timeout=30).read()
    return opener


def _first_change(
    port: int, opener: urllib.request.OpenerDirector, timeout: float
) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/now.json"
    started = time.monotonic()
    first = json.loads(opener.open(url, timeout=10).read())
    while time.monotonic() - started < timeout:
        time.sleep(1.0)
        now = json.loads(opener.open(url, timeout=10).read())
        moved = [k for k in WATCHED if now.get(k) != first.get(k)]
        if moved:
            return {
                "after_s": round(time.monotonic() - started, 1),
                "moved": {k: [first.get(k), now.get(k)] for k in moved},
                "session": now.get("session", "")[:60],
            }
    return {"after_s": None, "moved": {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=600, help="Per start, seconds.")
    add_out_argument(parser, "living_demo.json")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    }
    with throwaway_data("baseline", live_flusher=True) as tmp:
        proc, port, started = _start(["--no-demo"], Path(tmp) / "up.log")
        try:
            results["baseline_no_demo_serving_s"] = round(
                _serving(port, proc, started, args.timeout), 1
            )
        finally:
            _stop(proc)
    with throwaway_data("living", live_flusher=True) as tmp:
        log = Path(tmp) / "up.log"
        proc, port, started = _start([], log)
        try:
            serving = _serving(port, proc, started, args.timeout)
            results["first_start_serving_s"] = round(serving, 1)
            found = re.search(r"Dữ liệu demo sẵn sàng trong ([\d.]+) s", log.read_text())
            results["living_demo_load_s"] = float(found.group(1)) if found else None
            found = re.search(r"thêm ([\d.]+) trong ([\d.]+) s", log.read_text())
            if found:
                results["delegates_added"] = int(found.group(1).replace(".", ""))
                results["delegates_load_s"] = float(found.group(2))
            opener = _sign_in(port, "bantochuc", "diemcau2025")
            change = _first_change(port, opener, timeout=180)
            results["home_panel_first_change"] = change
            if change["after_s"] is not None:
                results["from_up_to_panel_change_s"] = round(serving + change["after_s"], 1)
        finally:
            results["first_start_stop"] = _stop(proc)
        proc, port, started = _start([], Path(tmp) / "up2.log")
        try:
            results["second_start_serving_s"] = round(
                _serving(port, proc, started, args.timeout), 1
            )
        finally:
            results["second_start_stop"] = _stop(proc)
    results["demo_cost_s"] = round(
        results["first_start_serving_s"] - results["baseline_no_demo_serving_s"], 1
    )
    save(results, args.out)


if __name__ == "__main__":
    main()
