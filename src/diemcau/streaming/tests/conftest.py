"""Real ffmpeg and nginx on loopback for the live tests, started once per module.

Missing engines fail the tests with the command that installs them: a skipped video test would
let a broken pipeline pass unnoticed.
"""

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from diemcau.streaming import conf, harness, signing
from diemcau.streaming.ffmpeg import Rendition, build_command
from diemcau.streaming.supervisor import Supervisor

STREAM = "hoi-nghi"


@dataclass
class Live:
    base: Path
    secret: str
    supervisor: Supervisor
    origin: harness.Nginx
    relay: harness.Nginx

    def path(self, site: str, version: int = 1, ttl: int = 300, file: str = "master.m3u8") -> str:
        expires = int(time.time()) + ttl
        return signing.playback_path(self.secret, expires, site, STREAM, version, file=file)


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    missing = harness.missing_engines()
    if missing:
        pytest.fail(harness.MISSING.format(name=" and ".join(missing)), pytrace=False)
    base = harness.shared_tempdir("diemcau-live-")
    hls = base / "hls"
    stream_dir = hls / STREAM
    stream_dir.mkdir(parents=True)
    hls.chmod(0o755)
    secret = conf.signing_secret()
    command = build_command(
        "testsrc", stream_dir, [Rendition("144p", 144, 150, 32)], test_size="256x144", test_rate=10
    )
    supervisor = Supervisor(command, stream_dir, STREAM)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    origin = harness.origin(base / "origin", hls, secret)
    relay = harness.relay(base / "relay", "", secret)
    try:
        origin.start()
        relay.params.origin_url = origin.url
        relay.start()
        wait_for(lambda: supervisor.state.state == "live", 30, f"ffmpeg: {supervisor.state}")
        yield Live(base, secret, supervisor, origin, relay)
    finally:
        supervisor.stop()
        thread.join(timeout=10)
        relay.stop()
        origin.stop()
        shutil.rmtree(base, ignore_errors=True)
