"""What /metrics costs on the hot path: the outermost WSGI layer counting and timing every
request, in-process and in the multiprocess mode the servers run in (PROMETHEUS_MULTIPROC_DIR),
beside the same requests without it, in one run.

    .venv/bin/python bench/bench_metrics.py            # 200,000 calls each, median of 5 runs

The app under the layer answers at once, so the difference is the layer's own cost per request;
it is set beside the cheapest real request, a heartbeat on the fast path (~0.4–0.9 ms of CPU,
bench_heartbeats.py). JSON to stdout and bench/results/metrics.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import io, json, os, sys, time
calls, wrapped = int(sys.argv[1]), sys.argv[2] == "1"
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"{}"]
if wrapped:
    from diemcau.metrics.wsgi import wrap
    app = wrap(app)
environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/heartbeats", "wsgi.input": io.BytesIO()}
start = lambda status, headers, exc_info=None: None
for _ in range(1000):
    b"".join(app(dict(environ), start))
began = time.process_time()
for _ in range(calls):
    b"".join(app(dict(environ), start))
print(json.dumps({"cpu_s": time.process_time() - began}))
"""


def run(calls: int, wrapped: bool, multiproc: str | None) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if multiproc:
        env["PROMETHEUS_MULTIPROC_DIR"] = multiproc
    out = subprocess.run(  # noqa: S603 - this interpreter
        [sys.executable, "-c", CHILD, str(calls), "1" if wrapped else "0"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout)["cpu_s"]) / calls * 1e6  # µs per request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "metrics.json")
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"bare_us": [], "in_process_us": [], "multiprocess_us": []}
    with tempfile.TemporaryDirectory() as shared:
        for _ in range(args.runs):
            figures["bare_us"].append(run(args.calls, False, None))
            figures["in_process_us"].append(run(args.calls, True, None))
            figures["multiprocess_us"].append(run(args.calls, True, shared))
    median = {k: round(statistics.median(v), 2) for k, v in figures.items()}
    result = {
        "calls": args.calls,
        "runs": args.runs,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        "median": median,
        "layer_cost_us_in_process": round(median["in_process_us"] - median["bare_us"], 2),
        "layer_cost_us_multiprocess": round(median["multiprocess_us"] - median["bare_us"], 2),
        "share_of_a_fast_path_heartbeat_0_4ms": round(
            (median["multiprocess_us"] - median["bare_us"]) / 400, 4
        ),
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
    }
    args.out.write_text(json.dumps({"wsgi": result}, indent=1) + "\n")
    sys.stdout.write(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
