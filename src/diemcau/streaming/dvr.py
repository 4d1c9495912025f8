"""The DVR window and the segment journal, kept by the ingest beside ffmpeg's own playlists.

ffmpeg writes a short live playlist per rendition (index.m3u8, the live edge). Every time it
changes, the ingest appends the new segments to that rendition's journal (segments.tsv: one line
per segment with its wall time, length and file) and rewrites dvr.m3u8, a sliding playlist of the
last `window_s` seconds, and the stream's dvr.m3u8 master (the same variants pointing at them).

Why a second playlist rather than a long index.m3u8: a 2-hour playlist is ~130 kB and a player
refetches it every 2 s; on the audio rung's 90 kbit/s that alone would not fit. Players play
master.m3u8 and load dvr.m3u8 only to rewind.

The journal is what recordings are cut from (recordings.py): wall times come from ffmpeg's
#EXT-X-PROGRAM-DATE-TIME, and its line number is a dense sequence number, so the DVR playlist's
media sequence stays right across an ffmpeg restart (whose segment numbers jump; the journal marks
the jump as a discontinuity).
"""

import errno
import math
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

JOURNAL = "segments.tsv"
DVR = "dvr.m3u8"
LIVE = "index.m3u8"
MASTER = "master.m3u8"
VOD = "index.m3u8"  # a recording's playlist per rendition
PDT_SLACK_MS = 250  # a wall time further than this from the running sum is written out


@dataclass(frozen=True)
class Segment:
    index: int  # dense, from 0, over the journal's life
    seq: int  # ffmpeg's media sequence number (jumps at a restart)
    at_ms: int  # wall time of its first frame, ms since the epoch (origin clock)
    duration: float
    uri: str
    discontinuity: bool = False

    @property
    def end_ms(self) -> int:
        return self.at_ms + round(self.duration * 1000)

    def line(self) -> str:
        disc = 1 if self.discontinuity else 0
        return f"{self.index}\t{self.seq}\t{self.at_ms}\t{self.duration:.3f}\t{self.uri}\t{disc}\n"

    @classmethod
    def parse(cls, line: str) -> "Segment":
        index, seq, at_ms, duration, uri, disc = line.rstrip("\n").split("\t")
        return cls(int(index), int(seq), int(at_ms), float(duration), uri, disc == "1")


def _pdt_ms(value: str) -> int:
    # ffmpeg writes 2026-12-05T10:14:12.362+0000; fromisoformat takes it from Python 3.11 on.
    return round(datetime.fromisoformat(value).timestamp() * 1000)


def parse_live(text: str, mtime: float) -> list[tuple[int, int, float, str]]:
    """(seq, at_ms, duration, uri) of each segment in one of ffmpeg's live playlists."""
    seq = 0
    out: list[tuple[int, int, float, str]] = []
    duration = 0.0
    at_ms: int | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            seq = int(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            duration = float(line.split(":", 1)[1].split(",", 1)[0])
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            at_ms = _pdt_ms(line.split(":", 1)[1])
        elif line and not line.startswith("#"):
            out.append((seq, at_ms if at_ms is not None else -1, duration, line))
            seq += 1
            at_ms = None
    # A playlist without wall times (an older ffmpeg): count back from the file's time.
    end = round(mtime * 1000)
    fixed = []
    for s, stamped, d, uri in reversed(out):
        at = stamped if stamped >= 0 else end - round(d * 1000)
        end = at
        fixed.append((s, at, d, uri))
    return list(reversed(fixed))


def read_journal(rendition_dir: Path) -> Iterator[Segment]:
    path = rendition_dir / JOURNAL
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.count("\t") == 5:
                yield Segment.parse(line)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def media_playlist(
    segments: list[Segment], *, vod: bool, disc_before: int = 0, prefix: str = ""
) -> str:
    """An HLS media playlist; `disc_before`: discontinuities before the first segment.

    The wall time (#EXT-X-PROGRAM-DATE-TIME) is written on the first segment and wherever it
    does not follow from the one before (a restart, a gap); players count the others from the
    lengths (hls.js sets `programDateTime` on every fragment). A tag on every segment would
    double a 2-hour playlist (317 kB, 20 kB gzipped, refetched every 2 s).
    """
    target = max((math.ceil(s.duration) for s in segments), default=2)
    head = ["#EXTM3U", "#EXT-X-VERSION:6", f"#EXT-X-TARGETDURATION:{target}"]
    if vod:
        head.append("#EXT-X-PLAYLIST-TYPE:VOD")
    head.append(f"#EXT-X-MEDIA-SEQUENCE:{segments[0].index if segments else 0}")
    if disc_before:
        head.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{disc_before}")
    head.append("#EXT-X-INDEPENDENT-SEGMENTS")
    body = []
    expected: int | None = None
    for i, s in enumerate(segments):
        if s.discontinuity and i > 0:
            body.append("#EXT-X-DISCONTINUITY")
        body.append(f"#EXTINF:{s.duration:.3f},")
        if expected is None or s.discontinuity or abs(s.at_ms - expected) > PDT_SLACK_MS:
            stamp = datetime.fromtimestamp(s.at_ms / 1000, UTC)
            body.append(f"#EXT-X-PROGRAM-DATE-TIME:{stamp.isoformat(timespec='milliseconds')}")
            expected = s.at_ms
        expected += round(s.duration * 1000)
        body.append(prefix + s.uri)
    tail = ["#EXT-X-ENDLIST"] if vod else []
    return "\n".join([*head, *body, *tail]) + "\n"


def master_variants(stream_dir: Path) -> list[tuple[str, str]]:
    """(#EXT-X-STREAM-INF line, rendition folder) of each variant in ffmpeg's master playlist."""
    path = stream_dir / MASTER
    if not path.exists():
        return []
    out = []
    info = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-STREAM-INF:"):
            info = line
        elif line and not line.startswith("#") and info:
            out.append((info, line.split("/", 1)[0]))
            info = ""
    return out


def master_playlist(variants: Iterable[tuple[str, str]], playlist: str) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for info, folder in variants:
        lines += [info, f"{folder}/{playlist}"]
    return "\n".join(lines) + "\n"


class _Rendition:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.mtime = 0.0
        self.window: list[Segment] = []  # the journal's tail, at least the DVR window
        self.disc_before = 0  # discontinuities at or before window[0], minus its own
        self.last: Segment | None = None
        self._disc_total = 0
        for segment in read_journal(folder):
            self._remember(segment)

    def _remember(self, segment: Segment) -> None:
        if segment.discontinuity:
            self._disc_total += 1
        self.window.append(segment)
        self.last = segment

    def trim(self, since_ms: int) -> None:
        drop = 0
        while drop < len(self.window) - 1 and self.window[drop].end_ms <= since_ms:
            drop += 1
        self.window = self.window[drop:]
        first = self.window[0] if self.window else None
        later = sum(1 for s in self.window if s.discontinuity)
        self.disc_before = self._disc_total - later + (1 if first and first.discontinuity else 0)

    def poll(self) -> list[Segment]:
        """Append what ffmpeg added since the last call; the new segments."""
        live = self.folder / LIVE
        try:
            mtime = live.stat().st_mtime
            if mtime == self.mtime:
                return []
            text = live.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        self.mtime = mtime
        new: list[Segment] = []
        for seq, at_ms, duration, uri in parse_live(text, mtime):
            last = self.last
            if last is not None and seq <= last.seq:
                continue  # already journalled (a restarted ffmpeg numbers from a later epoch)
            disc = last is not None and seq != last.seq + 1
            index = last.index + 1 if last is not None else 0
            segment = Segment(index, seq, at_ms, duration, uri, disc)
            self._remember(segment)
            new.append(segment)
        if new:
            with (self.folder / JOURNAL).open("a", encoding="utf-8") as journal:
                journal.writelines(s.line() for s in new)
        return new


class DvrWriter:
    """Keeps segments.tsv and dvr.m3u8 of every rendition of one stream folder up to date."""

    def __init__(self, stream_dir: Path, window_s: int, keep_s: int | None = None) -> None:
        self.stream_dir = stream_dir
        self.window_s = window_s
        self.keep_s = max(keep_s or window_s, window_s)
        self.renditions: dict[str, _Rendition] = {}
        self.newest_ms: int | None = None
        self._master = ""

    def _folders(self) -> list[tuple[str, str]]:
        variants = master_variants(self.stream_dir)
        for _info, folder in variants:
            if folder not in self.renditions:
                self.renditions[folder] = _Rendition(self.stream_dir / folder)
        return variants

    def poll(self) -> int:
        """One round: journal new segments, rewrite the DVR playlists that changed."""
        variants = self._folders()
        if not variants:
            return 0
        added = 0
        for rendition in self.renditions.values():
            new = rendition.poll()
            if not new or self.window_s <= 0:
                added += len(new)
                continue
            added += len(new)
            newest = new[-1].end_ms
            self.newest_ms = max(self.newest_ms or 0, newest)
            rendition.trim(newest - self.window_s * 1000)
            text = media_playlist(rendition.window, vod=False, disc_before=rendition.disc_before)
            _write_atomic(rendition.folder / DVR, text)
        if self.window_s > 0:
            master = master_playlist(variants, DVR)
            if master != self._master:
                _write_atomic(self.stream_dir / DVR, master)
                self._master = master
        return added

    def prune(self, now_ms: int) -> int:
        """Delete segments older than keep_s (files and journal lines); how many files went.

        A recording made from them holds its own hard links, so its files stay.
        """
        cutoff = now_ms - self.keep_s * 1000
        removed = 0
        self._folders()
        for rendition in self.renditions.values():
            kept: list[Segment] = []
            old: list[Segment] = []
            for segment in read_journal(rendition.folder):
                (old if segment.end_ms < cutoff else kept).append(segment)
            if not old:
                continue
            for segment in old:
                try:
                    (rendition.folder / segment.uri).unlink()
                    removed += 1
                except FileNotFoundError:
                    pass
            _write_atomic(rendition.folder / JOURNAL, "".join(s.line() for s in kept))
        return removed


# -- recordings ------------------------------------------------------------------------------
@dataclass
class Cut:
    renditions: list[str]
    segments: int
    started_at: datetime
    duration_s: float


def _link_all(source: Path, target: Path, rows: list[Segment]) -> list[Segment]:
    """Hard-link each segment of `rows` from `source` into `target`; those that exist.

    linkat() relative to two open folders: no path walk per file, no stat before it (a missing
    file is the link's own error). Where the folders are on two file systems, a copy: still no
    re-encode. ~30 µs a segment, so a 4-hour ladder (21,600 files) takes well under a second.
    """
    linked = []
    src = os.open(source, os.O_RDONLY | os.O_DIRECTORY)
    dst = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for segment in rows:
            name = segment.uri
            try:
                os.link(name, name, src_dir_fd=src, dst_dir_fd=dst, follow_symlinks=False)
            except FileNotFoundError:
                continue  # pruned meanwhile, or a name the journal has and the disk not
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                shutil.copy2(source / name, target / name)
            linked.append(segment)
    finally:
        os.close(src)
        os.close(dst)
    return linked


def cut(stream_dir: Path, target: Path, start: datetime, end: datetime) -> Cut | None:
    """Write `target` (master.m3u8 + one VOD playlist per rendition) from the segments of
    `stream_dir` that start in [start, end); None when there are none. All or nothing: the
    folder is built under a temporary name and renamed into place."""
    variants = master_variants(stream_dir)
    start_ms, end_ms = round(start.timestamp() * 1000), round(end.timestamp() * 1000)
    building = target.with_name(target.name + ".part")
    shutil.rmtree(building, ignore_errors=True)
    chosen: dict[str, list[Segment]] = {}
    try:
        for _info, folder in variants:
            rows = [s for s in read_journal(stream_dir / folder) if start_ms <= s.at_ms < end_ms]
            if not rows:
                continue
            (building / folder).mkdir(parents=True)
            rows = _link_all(stream_dir / folder, building / folder, rows)
            if not rows:
                continue
            chosen[folder] = rows
            first_disc = sum(1 for s in rows[:1] if s.discontinuity)
            text = media_playlist(rows, vod=True, disc_before=first_disc)
            (building / folder / VOD).write_text(text, encoding="utf-8")
        if not chosen:
            shutil.rmtree(building, ignore_errors=True)
            return None
        kept = [(info, folder) for info, folder in variants if folder in chosen]
        for _info, folder in variants:
            if folder not in chosen:
                shutil.rmtree(building / folder, ignore_errors=True)
        (building / MASTER).write_text(master_playlist(kept, VOD), encoding="utf-8")
        building.chmod(0o755)
        building.rename(target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    main = chosen[kept[0][1]]
    return Cut(
        renditions=[folder for _info, folder in kept],
        segments=len(main),
        started_at=datetime.fromtimestamp(main[0].at_ms / 1000, UTC),
        duration_s=round(sum(s.duration for s in main), 3),
    )
