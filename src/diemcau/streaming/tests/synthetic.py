"""A stream folder as the ingest leaves it, without ffmpeg: tiny segment files, ffmpeg-style live
playlists fed to the real DvrWriter (so the journal and DVR playlists are the ingest's own)."""

import datetime as dt
from pathlib import Path

from diemcau.streaming.dvr import DvrWriter

RENDITIONS = (("480p", "RESOLUTION=854x480,CODECS=\"avc1.64001e,mp4a.40.2\"", 1096000),
              ("audio", "RESOLUTION=256x144,CODECS=\"avc1.64000b,mp4a.40.2\"", 88000))  # fmt: skip


def write_master(stream_dir: Path) -> None:
    lines = ["#EXTM3U", "#EXT-X-VERSION:6"]
    for name, attrs, bandwidth in RENDITIONS:
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},{attrs}", f"{name}/index.m3u8", ""]
    stream_dir.mkdir(parents=True, exist_ok=True)
    (stream_dir / "master.m3u8").write_text("\n".join(lines))


def live_playlist(first_seq: int, first_at: dt.datetime, count: int, seg_s: float = 2.0) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-TARGETDURATION:2"]
    lines += [f"#EXT-X-MEDIA-SEQUENCE:{first_seq}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for i in range(count):
        at = first_at + dt.timedelta(seconds=i * seg_s)
        stamp = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
        lines += [f"#EXTINF:{seg_s:.6f},", f"#EXT-X-PROGRAM-DATE-TIME:{stamp}"]
        lines.append(f"seg_{first_seq + i}.ts")
    return "\n".join(lines) + "\n"


def feed(
    writer: DvrWriter,
    start: dt.datetime,
    count: int,
    *,
    first_seq: int = 1000,
    window: int = 6,
    step: int = 1,
    payload: bytes = b"G" * 188,
) -> None:
    """ffmpeg's work for `count` segments from `start`: files, then the live playlist, polled
    every `step` segments (the ingest polls every 0.25 s; a segment lasts 2 s)."""
    stream_dir = writer.stream_dir
    write_master(stream_dir)
    for stop in range(step, count + step, step):
        end = min(stop, count)
        for name, _attrs, _bw in RENDITIONS:
            folder = stream_dir / name
            folder.mkdir(exist_ok=True)
            for i in range(max(0, end - step), end):
                (folder / f"seg_{first_seq + i}.ts").write_bytes(payload)
            lo = max(0, end - max(window, step))
            at = start + dt.timedelta(seconds=2 * lo)
            text = live_playlist(first_seq + lo, at, end - lo)
            (folder / "index.m3u8").write_text(text)
        for rendition in writer.renditions.values():
            rendition.mtime = 0.0  # the test writes faster than the file system's clock ticks
        writer.poll()
