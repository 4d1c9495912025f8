"""Keeps ffmpeg running for the length of the event and says how it is doing.

ffmpeg dies on a dropped encoder connection or a bad packet; the supervisor starts it again after
a backoff (1 s doubling to 30 s, back to 1 s once it has been live for a minute) and publishes its
state — starting, live, restarting, failed, stopped — with the restart count and the time of the
newest segment, to a JSON file beside the segments and through a callback (the database row the
operations dashboard reads).
"""

import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from diemcau.streaming.dvr import DvrWriter

BACKOFF_MIN_S = 1.0
BACKOFF_MAX_S = 30.0
STABLE_S = 60.0
POLL_S = 0.25
PRUNE_EVERY_S = 60.0


@dataclass
class IngestState:
    stream: str
    state: str = "starting"
    restarts: int = 0
    pid: int | None = None
    started_at: str | None = None
    first_segment_s: float | None = None  # from the first start to the first playable segment
    last_segment_at: str | None = None
    detail: str = ""


def newest_segment(stream_dir: Path) -> float | None:
    """When the newest segment was written (ffmpeg rewrites a rendition's playlist right after
    each one); None before the first one. The segments themselves are too many to look at: the
    DVR window and the recordings keep hours of them."""
    newest: float | None = None
    for path in stream_dir.glob("*/index.m3u8"):
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:  # between ffmpeg's temp file and its rename
            continue
        newest = mtime if newest is None or mtime > newest else newest
    return newest


def playable(stream_dir: Path) -> bool:
    """A player can start: the master playlist and a segment in each rendition's playlist."""
    if not (stream_dir / "master.m3u8").exists():
        return False
    playlists = list(stream_dir.glob("*/index.m3u8"))
    return bool(playlists) and all(".ts" in p.read_text(errors="replace") for p in playlists)


class Supervisor:
    def __init__(
        self,
        command: Sequence[str],
        stream_dir: Path,
        stream: str,
        on_state: Callable[[IngestState], None] | None = None,
        *,
        max_restarts: int | None = None,
        dvr: DvrWriter | None = None,
    ) -> None:
        self.command = list(command)
        self.stream_dir = stream_dir
        self.state = IngestState(stream=stream)
        self.on_state = on_state
        self.max_restarts = max_restarts
        self.state_file = stream_dir / "state.json"
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        # The DVR playlists and the segment journal; None: ffmpeg's short playlists only.
        self.dvr = dvr
        self._pruned_at = 0.0

    # -- publishing --------------------------------------------------------------------------
    def _publish(self, **changes: object) -> None:
        for name, value in changes.items():
            setattr(self.state, name, value)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self.state), ensure_ascii=False, indent=1))
        tmp.replace(self.state_file)
        if self.on_state is not None:
            self.on_state(self.state)

    # -- control -----------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(  # noqa: S603 - our ffmpeg argv, no shell
            self.command, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._proc = proc
        self._publish(pid=proc.pid)
        return proc

    @staticmethod
    def _stderr(proc: subprocess.Popen[bytes]) -> str:
        if proc.stderr is None:
            return ""
        with proc.stderr:
            return proc.stderr.read().decode(errors="replace")

    def _end(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # ffmpeg closes its playlists on SIGINT
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._stderr(proc)

    def _keep_dvr(self) -> None:
        if self.dvr is None:
            return
        self.dvr.poll()
        now = time.monotonic()
        if now - self._pruned_at > PRUNE_EVERY_S:
            self._pruned_at = now
            self.dvr.prune(round(time.time() * 1000))

    def run(self) -> IngestState:
        """Run until stop() or until max_restarts is exhausted; returns the last state."""
        self.stream_dir.mkdir(parents=True, exist_ok=True)
        first_start = time.monotonic()
        self._publish(state="starting", started_at=datetime.now(UTC).isoformat())
        backoff = BACKOFF_MIN_S
        while not self._stop.is_set():
            proc = self._start()
            live_since: float | None = None
            seen = newest_segment(self.stream_dir)
            while proc.poll() is None and not self._stop.is_set():
                self._keep_dvr()
                newest = newest_segment(self.stream_dir)
                if newest is not None and newest != seen:
                    seen = newest
                    changes: dict[str, object] = {
                        "last_segment_at": datetime.fromtimestamp(newest, UTC).isoformat()
                    }
                    if self.state.state != "live" and playable(self.stream_dir):
                        live_since = time.monotonic()
                        changes["state"] = "live"
                        changes["detail"] = ""
                        if self.state.first_segment_s is None:
                            changes["first_segment_s"] = round(live_since - first_start, 3)
                    self._publish(**changes)
                if live_since is not None and time.monotonic() - live_since > STABLE_S:
                    backoff = BACKOFF_MIN_S
                self._stop.wait(POLL_S)
            if self._stop.is_set():
                self._end(proc)
                self._keep_dvr()  # the last segment, written as ffmpeg stopped
                break
            error = self._stderr(proc)
            detail = f"ffmpeg exited with {proc.returncode}: {error.strip()[-200:]}"
            if self.max_restarts is not None and self.state.restarts >= self.max_restarts:
                self._publish(state="failed", pid=None, detail=detail)
                return self.state
            self._publish(state="restarting", restarts=self.state.restarts + 1, detail=detail)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)
        self._publish(state="stopped", pid=None)
        return self.state
