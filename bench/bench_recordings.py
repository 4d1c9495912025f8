"""Catch-up video: origin load behind relays for a recording, and the time to make a recording.

    .venv/bin/python bench/bench_recordings.py                      # 1,000 viewers, 4 relays
    .venv/bin/python bench/bench_recordings.py --viewers 200 --hours 1 --runs 1

1. Catch-up viewers. ffmpeg packages `--seconds` of a test source (the default ladder's shape:
   a video rung and the audio rung with a still every 2 s) as fast as it can; the ingest's journal
   (streaming/dvr.py) records the segments and `cut` makes the recording, exactly as
   `diemcau stream recordings make` does. The origin and `--relays` relays are nginx with the
   configs `diemcau stream nginx-config` writes, on loopback. `--viewers` viewers, each a site
   with its own signed URL, start the recording at one of the topics' offsets and fetch
   `--segments` segments in a row, all at once (`--clients` threads), spread over the relays.
   The origin's access log says how often it sent each segment. Baselines in the same run: the
   same viewers behind relays whose proxy_cache_lock is off, and straight at the origin. A
   second wave behind the (now warm) relays shows what later viewers cost.
2. A 4-hour session → its recording: `--hours` of 2 s segments in three renditions (tiny
   synthetic files, the journal the ingest would have written), cut into a recording. Baselines
   on a real sample (part 1's segments): asking ffprobe for each segment's length (what a
   playlist builder without the journal would do), and re-encoding the sample (libx264,
   veryfast), both extrapolated to the session's segments / seconds.

JSON goes to stdout and bench/results/recordings.json (key "loopback").
"""

import argparse
import datetime as dt
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from common import add_out_argument, save  # noqa: E402 - a sibling module of this script

from diemcau.streaming import harness, signing  # noqa: E402
from diemcau.streaming.dvr import JOURNAL, DvrWriter, Segment, cut, read_journal  # noqa: E402
from diemcau.streaming.ffmpeg import Rendition, build_command  # noqa: E402
from diemcau.streaming.viewer import get, playlist_uris  # noqa: E402

STREAM = "bench"
LADDER = [Rendition("240p", 240, 400, 64), Rendition("audio", 144, 16, 64, still_s=2)]
SEGMENT_LINE = re.compile(r'"GET (\S+\.ts)" 200 ')


# -- part 1: catch-up viewers -------------------------------------------------------------------
def package(stream_dir: Path, seconds: int) -> float:
    """ffmpeg, not paced to real time, keeping every segment in its playlist; then one journal
    round. Returns ffmpeg's wall time."""
    command = build_command("testsrc", stream_dir, LADDER, test_size="426x240", test_rate=15)
    command.remove("-re")
    command[command.index("-hls_list_size") + 1] = "0"
    at = command.index("hls") - 1  # the output's "-f hls": stop the test source after `seconds`
    command[at:at] = ["-t", str(seconds)]
    started = time.perf_counter()
    subprocess.run(command, check=True)  # noqa: S603 - our ffmpeg argv
    elapsed = time.perf_counter() - started
    DvrWriter(stream_dir, window_s=0).poll()
    return elapsed


class UnlockedRelay(harness.Nginx):
    """A relay as configured but without proxy_cache_lock: every concurrent miss goes on."""

    def write(self) -> None:
        super().write()
        conf = self.params.conf_path
        conf.write_text(conf.read_text().replace("proxy_cache_lock on;", "proxy_cache_lock off;"))


def origin_requests(log: Path, offset: int) -> Counter[str]:
    with log.open() as f:
        f.seek(offset)
        return Counter(m.group(1) for m in map(SEGMENT_LINE.search, f) if m)


def catch_up(
    bases: list[str], secret: str, name: str, starts: list[int], args: argparse.Namespace
) -> dict[str, Any]:
    """Every viewer: master, media playlist, then `segments` segments from a topic's start."""
    expires = int(time.time()) + 3600

    def viewer(i: int) -> int:
        site = f"S{i:05d}"
        master_url = bases[i % len(bases)] + signing.playback_path(secret, expires, site, name, 1)
        master = get(master_url)
        if master.status != 200:
            return 0
        media_url = urljoin(master_url, playlist_uris(master.body.decode())[0])
        media = get(media_url)
        uris = playlist_uris(media.body.decode())
        start = starts[i % len(starts)]
        got = 0
        for uri in uris[start : start + args.segments]:
            got += get(urljoin(media_url, uri)).status == 200
        return got

    started = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        fetched = list(pool.map(viewer, range(args.viewers)))
    return {
        "viewers_ok": sum(1 for n in fetched if n == args.segments),
        "segments_fetched": sum(fetched),
        "seconds": round(time.perf_counter() - started, 2),
    }


def measured(
    *,
    origin: harness.Nginx,
    bases: list[str],
    secret: str,
    name: str,
    starts: list[int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    offset = origin.access_log.stat().st_size
    result = catch_up(bases, secret, name, starts, args)
    counts = origin_requests(origin.access_log, offset)
    result["origin_segment_requests"] = sum(counts.values())
    result["origin_distinct_segments"] = len(counts)
    result["origin_max_requests_one_segment"] = max(counts.values(), default=0)
    result["origin_requests_per_segment"] = (
        round(sum(counts.values()) / len(counts), 2) if counts else 0
    )
    return result


def part_one(args: argparse.Namespace, base: Path, secret: str, run: int) -> dict[str, Any]:
    hls = base / f"hls-{run}"
    stream_dir = hls / STREAM
    stream_dir.mkdir(parents=True)
    hls.chmod(0o755)
    ffmpeg_s = package(stream_dir, args.seconds)
    journal = list(read_journal(stream_dir / "240p"))
    name = f"rec-bench-{run}"
    start = dt.datetime.fromtimestamp(journal[0].at_ms / 1000, dt.UTC)
    done = cut(stream_dir, hls / name, start, start + dt.timedelta(hours=1))
    assert done is not None
    # Three topics: the start, a third and two thirds in (each viewer starts at one of them).
    starts = [0, done.segments // 3, 2 * done.segments // 3]
    origin = harness.origin(base / f"origin-{run}", hls, secret).start()
    relays = [
        harness.relay(base / f"relay-{run}-{i}", origin.url, secret).start()
        for i in range(args.relays)
    ]
    unlocked = [
        UnlockedRelay(harness.relay(base / f"nolock-{run}-{i}", origin.url, secret).params).start()
        for i in range(args.relays)
    ]
    try:
        common: dict[str, Any] = {
            "origin": origin,
            "secret": secret,
            "name": name,
            "starts": starts,
            "args": args,
        }
        cold = measured(bases=[r.url for r in relays], **common)
        warm = measured(bases=[r.url for r in relays], **common)
        no_lock = measured(bases=[r.url for r in unlocked], **common)
        direct = measured(bases=[origin.url], **common)
    finally:
        for engine in [*relays, *unlocked, origin]:
            engine.stop()
    sample = sorted((stream_dir / "240p").glob("seg_*.ts"))
    return {
        "recording_segments": done.segments,
        "recording_s": done.duration_s,
        "ffmpeg_s": round(ffmpeg_s, 2),
        "behind_relays": cold,
        "behind_relays_second_wave": warm,
        "baseline_relays_without_cache_lock": no_lock,
        "baseline_direct_to_origin": direct,
        "_sample": [str(p) for p in sample],
        "_stream_dir": str(stream_dir),
    }


# -- part 2: a 4-hour session into its recording ------------------------------------------------
def synthetic_session(stream_dir: Path, hours: float, renditions: list[str]) -> tuple[int, float]:
    """Files and journal for `hours` of 2 s segments; (segments per rendition, seconds spent)."""
    started = time.perf_counter()
    count = int(hours * 3600 / 2)
    t0 = int(dt.datetime(2026, 6, 14, 0, 30, tzinfo=dt.UTC).timestamp() * 1000)
    lines = ["#EXTM3U", "#EXT-X-VERSION:6"]
    for i, rendition in enumerate(renditions):
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={(3 - i) * 1_000_000},RESOLUTION=1280x720"]
        lines.append(f"{rendition}/index.m3u8")
        folder = stream_dir / rendition
        folder.mkdir(parents=True)
        rows = [Segment(n, 1_781_000_000 + n, t0 + 2000 * n, 2.0, f"seg_{1_781_000_000 + n}.ts")
                for n in range(count)]  # fmt: skip
        for row in rows:
            (folder / row.uri).write_bytes(b"G" * 188)
        (folder / JOURNAL).write_text("".join(row.line() for row in rows))
    (stream_dir / "master.m3u8").write_text("\n".join(lines) + "\n")
    return count, time.perf_counter() - started


def probe_seconds(paths: list[str]) -> float:
    binary = shutil.which("ffprobe") or "ffprobe"
    started = time.perf_counter()
    for path in paths:
        subprocess.run(  # noqa: S603 - our ffprobe argv
            [binary, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def reencode_seconds(stream_dir: Path, out: Path) -> tuple[float, float]:
    """Re-encode part 1's 240p rendition into one file: (wall seconds, media seconds)."""
    media = stream_dir / "240p" / "index.m3u8"
    binary = shutil.which("ffmpeg") or "ffmpeg"
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our ffmpeg argv
        [binary, "-hide_banner", "-loglevel", "error", "-y", "-i", str(media),
         "-c:v", "libx264", "-preset", "veryfast", "-b:v", "400k", "-c:a", "aac",
         "-threads", "1", str(out)],
        check=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    length = sum(s.duration for s in read_journal(stream_dir / "240p"))
    return elapsed, length


def part_two(args: argparse.Namespace, base: Path, run: int, sample: dict[str, Any]) -> dict:
    renditions = ["720p", "480p", "audio"]
    stream_dir = base / f"long-{run}" / STREAM
    count, setup_s = synthetic_session(stream_dir, args.hours, renditions)
    t0 = dt.datetime(2026, 6, 14, 0, 30, tzinfo=dt.UTC)
    started = time.perf_counter()
    done = cut(stream_dir, stream_dir.parent / "rec-long", t0, t0 + dt.timedelta(hours=args.hours))
    cut_s = time.perf_counter() - started
    assert done is not None and done.segments == count
    total = count * len(renditions)
    probes = sample["_sample"][: args.probe_sample]
    probe_s = probe_seconds(probes)
    reencode_s, media_s = reencode_seconds(Path(sample["_stream_dir"]), base / f"re-{run}.mp4")
    return {
        "hours": args.hours,
        "segments": total,
        "synthetic_setup_s": round(setup_s, 1),
        "recording_s": round(cut_s, 3),
        "recording_segments_per_s": round(total / cut_s),
        "baseline_probe_each_segment": {
            "sample_segments": len(probes),
            "sample_s": round(probe_s, 2),
            "extrapolated_s": round(probe_s / len(probes) * total, 1),
        },
        "baseline_reencode": {
            "sample_media_s": round(media_s, 1),
            "sample_s": round(reencode_s, 2),
            "speed_x_realtime": round(media_s / reencode_s, 1),
            # one rendition at 240p; a 720p/480p ladder costs several times more per second
            "extrapolated_one_240p_rendition_s": round(reencode_s / media_s * args.hours * 3600),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--relays", type=int, default=4)
    parser.add_argument("--segments", type=int, default=5, help="segments each viewer fetches")
    parser.add_argument("--clients", type=int, default=64, help="concurrent client threads")
    parser.add_argument("--seconds", type=int, default=60, help="recorded test source, seconds")
    parser.add_argument("--hours", type=float, default=4.0, help="session length for part 2")
    parser.add_argument("--probe-sample", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    add_out_argument(parser, "recordings.json")
    args = parser.parse_args()
    missing = harness.missing_engines()
    if missing:
        sys.exit(harness.MISSING.format(name=" and ".join(missing)))

    base = harness.shared_tempdir("diemcau-bench-rec-")
    secret = secrets.token_hex(16)
    runs = []
    try:
        for run in range(args.runs):
            one = part_one(args, base, secret, run)
            two = part_two(args, base, run, one)
            for key in ("_sample", "_stream_dir"):
                one.pop(key)
            runs.append({"catch_up": one, "session_to_recording": two})
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

    c, s = "catch_up", "session_to_recording"
    save(
        {
            "database": "loopback",
            "machine": f"{platform.machine()}, {platform.python_version()}",
            "viewers": args.viewers,
            "relays": args.relays,
            "segments_per_viewer": args.segments,
            "runs": runs,
            "median": {
                "origin_max_requests_per_segment_behind_relays": median(
                    c, "behind_relays", "origin_max_requests_one_segment"
                ),
                "origin_requests_per_segment_behind_relays": median(
                    c, "behind_relays", "origin_requests_per_segment"
                ),
                "origin_requests_second_wave": median(
                    c, "behind_relays_second_wave", "origin_segment_requests"
                ),
                "baseline_origin_max_requests_per_segment_without_cache_lock": median(
                    c, "baseline_relays_without_cache_lock", "origin_max_requests_one_segment"
                ),
                "baseline_origin_max_requests_per_segment_direct": median(
                    c, "baseline_direct_to_origin", "origin_max_requests_one_segment"
                ),
                "session_hours": args.hours,
                "session_to_recording_s": median(s, "recording_s"),
                "baseline_probe_each_segment_s": median(
                    s, "baseline_probe_each_segment", "extrapolated_s"
                ),
                "baseline_reencode_one_240p_rendition_s": median(
                    s, "baseline_reencode", "extrapolated_one_240p_rendition_s"
                ),
            },
        },
        args.out,
    )


if __name__ == "__main__":
    main()
