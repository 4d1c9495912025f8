"""The console's player on a site line shaped to 100 kbit/s: seconds to sound only, back to video.

    .venv/bin/python bench/bench_player_fallback.py            # 3 runs with the rule, 1 baseline
    .venv/bin/python bench/bench_player_fallback.py --runs 1 --no-baseline

Each run is the browser test src/diemcau/console/tests/test_weak_link_browser.py (Debian's
Chromium, hls.js, ffmpeg with two video rungs and the audio rung, nginx origin and relay, and a
throttling proxy on loopback as the site's line): playing live, the line drops to 100 kbit/s —
the time until the audio rung plays; the line recovers — the time until a video rung plays. The
baseline is the same walk with the weak-link rule off (hls.js's own adaptive switching only),
measured up to the fall, within 60 s (null: it never fell to the audio rung in that time).

Goals (issue 22): sound only within 10 s of the drop, video within 30 s of the recovery.
JSON goes to stdout and bench/results/player_fallback.json (key "sqlite").
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from common import add_out_argument, save  # noqa: E402 - a sibling module of this script

TEST = "src/diemcau/console/tests/test_weak_link_browser.py"


def walk(baseline: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="diemcau-bench-fallback-") as tmp:
        out = Path(tmp) / "figures.json"
        env = {**os.environ, "DIEMCAU_BENCH_OUT": str(out)}
        env.pop("DATABASE_URL", None)
        if baseline:
            env["DIEMCAU_BENCH_BASELINE"] = "1"
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", TEST]
        done = subprocess.run(  # noqa: S603 - our own test run
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if not out.exists():  # kept as a failed run: a flaky fall is a figure too
            failed = [line for line in done.stdout.splitlines() if line.startswith("E ")]
            return {"test_passed": False, "error": "\n".join(failed[-3:])[-600:]}
        figures: dict[str, Any] = json.loads(out.read_text())
        figures["test_passed"] = done.returncode == 0
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    add_out_argument(parser, "player_fallback.json")
    args = parser.parse_args()
    runs = [walk(baseline=False) for _ in range(args.runs)]
    for run in runs:
        run.pop("events", None)
    results: dict[str, Any] = {
        "database": "sqlite",
        "link_kbps": 100,
        "goal_to_audio_s": 10,
        "goal_to_video_s": 30,
        "runs": runs,
    }
    finished = [r for r in runs if r.get("test_passed")]
    results["runs_passed"] = f"{len(finished)}/{len(runs)}"
    if finished:
        results["to_audio_s_median"] = statistics.median(r["to_audio_s"] for r in finished)
        results["to_video_s_median"] = statistics.median(r["to_video_s"] for r in finished)
    if not args.no_baseline:
        results["baseline_hlsjs_only"] = walk(baseline=True)
    save(results, args.out)


if __name__ == "__main__":
    main()
