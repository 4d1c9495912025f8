"""Live video through the real engines: origin egress behind relays vs. direct, and start-up time.

    .venv/bin/python bench/bench_streaming.py                      # 1,000 viewers, 4 relays
    .venv/bin/python bench/bench_streaming.py --viewers 200 --runs 1

A test source (ffmpeg testsrc + sine, one rendition, `--size`) is packaged to HLS with ~2 s
segments by the supervisor `diemcau stream ingest` uses; the origin and `--relays` relays are
nginx with the configs `diemcau stream nginx-config` writes (secure_link, proxy_cache with
proxy_cache_lock), all on loopback. Each run:

1. start of ingest → first playable segment: from starting ffmpeg until a viewer going through a
   relay with a signed URL has the master playlist, the media playlist and one segment (200);
2. `--viewers` simulated viewers (each site its own signed URL; `--clients` threads) play at once:
   master playlist, media playlist, the last `--segments` segments — first spread over the relays,
   then all straight at the origin. The origin's access log gives its requests and bytes per
   segment in each case.

JSON goes to stdout and bench/results/streaming.json (key "loopback").
"""

import argparse
import platform
import re
import secrets
import shutil
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from common import add_out_argument, save  # noqa: E402 - a sibling module of this script

from diemcau.streaming import harness, signing  # noqa: E402
from diemcau.streaming.ffmpeg import Rendition, build_command  # noqa: E402
from diemcau.streaming.supervisor import Supervisor  # noqa: E402
from diemcau.streaming.viewer import Watch, watch  # noqa: E402

STREAM = "bench"
LOG_LINE = re.compile(r'"GET (\S+)" (\d{3}) (\d+) ')


def origin_traffic(log: Path, offset: int) -> dict[str, Any]:
    segments: Counter[str] = Counter()
    seg_bytes = playlist_requests = playlist_bytes = 0
    with log.open() as f:
        f.seek(offset)
        for line in f:
            match = LOG_LINE.search(line)
            if not match or match.group(2) != "200":
                continue
            path, size = match.group(1), int(match.group(3))
            if path.endswith(".ts"):
                segments[path] += 1
                seg_bytes += size
            elif path.endswith(".m3u8"):
                playlist_requests += 1
                playlist_bytes += size
    distinct = len(segments) or 1
    return {
        "distinct_segments": len(segments),
        "segment_requests": sum(segments.values()),
        "requests_per_segment": round(sum(segments.values()) / distinct, 2),
        "max_requests_one_segment": max(segments.values(), default=0),
        "segment_bytes": seg_bytes,
        "bytes_per_segment": round(seg_bytes / distinct),
        "playlist_requests": playlist_requests,
        "playlist_bytes": playlist_bytes,
    }


def play(urls_per_viewer: list[list[str]], segments: int, clients: int) -> dict[str, Any]:
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results: list[Watch] = list(
            pool.map(lambda u: watch(u, segments=segments), urls_per_viewer)
        )
    elapsed = time.perf_counter() - started
    requests = sum(len(r.statuses) for r in results)
    return {
        "viewers_ok": sum(r.ok for r in results),
        "viewer_segments": sum(r.segments for r in results),
        "viewer_bytes": sum(r.bytes for r in results),
        "requests": requests,
        "seconds": round(elapsed, 2),
        "requests_per_s": round(requests / elapsed),
    }


def one_run(args: argparse.Namespace, base: Path, secret: str, run: int) -> dict[str, Any]:
    hls = base / f"hls-{run}"
    stream_dir = hls / STREAM
    stream_dir.mkdir(parents=True)
    hls.chmod(0o755)
    origin = harness.origin(base / f"origin-{run}", hls, secret).start()
    relays = [
        harness.relay(base / f"relay-{run}-{i}", origin.url, secret).start()
        for i in range(args.relays)
    ]
    rendition = Rendition("video", int(args.size.split("x")[1]), args.video_kbps, 64)
    command = build_command("testsrc", stream_dir, [rendition], test_size=args.size)
    supervisor = Supervisor(command, stream_dir, STREAM)
    expires = int(time.time()) + 3600

    def urls(site: str, bases: list[str]) -> list[str]:
        path = signing.playback_path(secret, expires, site, STREAM, 1)
        return [b + path for b in bases]

    thread = threading.Thread(target=supervisor.run, daemon=True)
    try:
        started = time.perf_counter()
        thread.start()
        probe = urls("PROBE", [relays[0].url])
        while not watch(probe, segments=1).ok:
            if time.perf_counter() - started > 60:
                raise RuntimeError(f"no playable segment in 60 s: {supervisor.state}")
            time.sleep(0.05)
        first_playable = time.perf_counter() - started
        time.sleep(2 * args.segments)  # a full window of segments
        sites = [f"S{i:05d}" for i in range(args.viewers)]

        offset = origin.access_log.stat().st_size
        relayed = play(
            [urls(s, [relays[i % len(relays)].url, origin.url]) for i, s in enumerate(sites)],
            args.segments,
            args.clients,
        )
        relayed["origin"] = origin_traffic(origin.access_log, offset)

        offset = origin.access_log.stat().st_size
        direct = play([urls(s, [origin.url]) for s in sites], args.segments, args.clients)
        direct["origin"] = origin_traffic(origin.access_log, offset)
        return {
            "first_playable_s": round(first_playable, 3),
            "ffmpeg_first_segment_s": supervisor.state.first_segment_s,
            "behind_relays": relayed,
            "direct": direct,
        }
    finally:
        supervisor.stop()
        thread.join(timeout=10)
        for engine in [*relays, origin]:
            engine.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--relays", type=int, default=4)
    parser.add_argument("--segments", type=int, default=3, help="segments each viewer fetches")
    parser.add_argument("--clients", type=int, default=64, help="concurrent client threads")
    parser.add_argument("--size", default="426x240", help="testsrc frame size")
    parser.add_argument("--video-kbps", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    add_out_argument(parser, "streaming.json")
    args = parser.parse_args()
    missing = harness.missing_engines()
    if missing:
        sys.exit(harness.MISSING.format(name=" and ".join(missing)))

    base = harness.shared_tempdir("diemcau-bench-stream-")
    secret = secrets.token_hex(16)
    try:
        runs = [one_run(args, base, secret, run) for run in range(args.runs)]
    finally:
        shutil.rmtree(base, ignore_errors=True)

    def median(*keys: str) -> float:
        values = []
        for run in runs:
            value: Any = run
            for key in keys:
                value = value[key]
            values.append(value)
        return statistics.median(values)

    relayed_bytes = median("behind_relays", "origin", "segment_bytes")
    direct_bytes = median("direct", "origin", "segment_bytes")
    save(
        {
            "database": "loopback",
            "machine": f"{platform.machine()}, {platform.python_version()}",
            "viewers": args.viewers,
            "relays": args.relays,
            "segments_per_viewer": args.segments,
            "size": args.size,
            "runs": runs,
            "median": {
                "first_playable_s": median("first_playable_s"),
                "ffmpeg_first_segment_s": median("ffmpeg_first_segment_s"),
                # The most often the origin sent one segment: at most one per relay behind relays.
                "origin_requests_per_segment_behind_relays": median(
                    "behind_relays", "origin", "max_requests_one_segment"
                ),
                "origin_requests_per_segment_direct": median(
                    "direct", "origin", "max_requests_one_segment"
                ),
                "origin_segment_mb_behind_relays": round(relayed_bytes / 1e6, 2),
                "origin_segment_mb_direct": round(direct_bytes / 1e6, 2),
                "origin_egress_ratio_direct_over_relays": round(direct_bytes / relayed_bytes, 1)
                if relayed_bytes
                else None,
                "origin_playlist_requests_behind_relays": median(
                    "behind_relays", "origin", "playlist_requests"
                ),
                "origin_playlist_requests_direct": median("direct", "origin", "playlist_requests"),
                "viewer_requests_per_s_behind_relays": median("behind_relays", "requests_per_s"),
                "viewer_requests_per_s_direct": median("direct", "requests_per_s"),
            },
        },
        args.out,
    )


if __name__ == "__main__":
    main()
