"""The ffmpeg command that turns the studio feed into HLS renditions with a master playlist.

Segments are ~2 s: a key frame is forced every 2 s so each rendition cuts at the same instants
(players switch bitrate on segment borders). Segment numbers start at the Unix time, so a restarted
ffmpeg never writes a name that a relay has already cached with other content.

ffmpeg's own playlists stay short (the live edge), with the wall time of every segment
(#EXT-X-PROGRAM-DATE-TIME); ffmpeg deletes no segment. The ingest keeps them for the DVR window
and for the session recordings (streaming/dvr.py) and removes them itself once they are older.

The lowest rung is "audio": AAC plus a still of the picture every `still_s` seconds (one frame
per segment). A pure audio variant would be cleaner, but hls.js drops audio-only variants from a
master playlist that has video ones (hls.js 1.7 `filterAndSortMediaOptions`), so its adaptive
switching could never reach it; a still costs ~16 kbit/s and keeps the rung an ordinary level.
"""

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SEGMENT_S = 2
LIST_SIZE = 6
TESTSRC = "testsrc"


class FfmpegMissing(RuntimeError):
    pass


def ffmpeg_binary() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        raise FfmpegMissing(
            "ffmpeg is not installed: run scripts/services (apt-get install ffmpeg)"
        )
    return found


@dataclass(frozen=True)
class Rendition:
    name: str
    height: int  # 0: audio only
    video_kbps: int
    audio_kbps: int
    still_s: int = 0  # > 0: one picture every still_s seconds instead of moving video

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> "Rendition":
        return cls(
            name=str(data["name"]),
            height=int(str(data.get("height", 0))),
            video_kbps=int(str(data.get("video_kbps", 0))),
            audio_kbps=int(str(data.get("audio_kbps", 64))),
            still_s=int(str(data.get("still_s", 0))),
        )

    @property
    def has_video(self) -> bool:
        return self.height > 0 and self.video_kbps > 0

    @property
    def total_kbps(self) -> int:
        return (self.video_kbps if self.has_video else 0) + self.audio_kbps


def _input_args(source: str, test_size: str, test_rate: int) -> tuple[list[str], str, str]:
    """Arguments, the video input label and the audio input label."""
    if source == TESTSRC:
        return (
            [
                "-re",
                "-f",
                "lavfi",
                "-i",
                f"testsrc=size={test_size}:rate={test_rate}",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:sample_rate=44100",
            ],
            "0:v:0",
            "1:a:0",
        )
    listen = ["-listen", "1"] if source.startswith(("rtmp://0.0.0.0", "rtmp://[::]")) else []
    return [*listen, "-i", source], "0:v:0", "0:a:0?"


def build_command(
    source: str,
    stream_dir: Path,
    renditions: Sequence[Rendition],
    *,
    test_size: str = "320x180",
    test_rate: int = 15,
    threads: int = 1,
) -> list[str]:
    if not renditions:
        raise ValueError("at least one rendition is needed")
    args, video, audio = _input_args(source, test_size, test_rate)
    cmd = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    stream_map: list[str] = []
    v = 0
    for a, r in enumerate(renditions):
        parts = []
        if r.has_video:
            cmd += ["-map", video]
            # At least one picture per segment: a segment without one stalls the player.
            still = f"fps=1/{min(r.still_s, SEGMENT_S)}," if r.still_s > 0 else ""
            cmd += [f"-filter:v:{v}", f"{still}scale=-2:{r.height}"]
            cmd += [f"-c:v:{v}", "libx264", f"-b:v:{v}", f"{r.video_kbps}k"]
            cmd += [
                f"-maxrate:v:{v}",
                f"{r.video_kbps}k",
                f"-bufsize:v:{v}",
                f"{2 * r.video_kbps}k",
            ]
            parts.append(f"v:{v}")
            v += 1
        cmd += ["-map", audio, f"-c:a:{a}", "aac", f"-b:a:{a}", f"{r.audio_kbps}k"]
        parts.append(f"a:{a}")
        stream_map.append(",".join([*parts, f"name:{r.name}"]))
        (stream_dir / r.name).mkdir(parents=True, exist_ok=True)
    if v:
        cmd += ["-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p"]
        cmd += ["-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_S})", "-sc_threshold", "0"]
    cmd += ["-threads", str(threads)]
    cmd += [
        "-f",
        "hls",
        "-hls_time",
        str(SEGMENT_S),
        "-hls_list_size",
        str(LIST_SIZE),
        "-hls_flags",
        "independent_segments+temp_file+program_date_time",
        "-hls_start_number_source",
        "epoch",
        "-master_pl_name",
        "master.m3u8",
        "-var_stream_map",
        " ".join(stream_map),
        "-hls_segment_filename",
        str(stream_dir / "%v" / "seg_%d.ts"),
        str(stream_dir / "%v" / "index.m3u8"),
    ]
    return cmd
