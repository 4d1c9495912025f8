"""Real ffmpeg and nginx on loopback for the live tests, started once per module.

Missing engines fail the tests with the command that installs them: a skipped video test would
let a broken pipeline pass unnoticed.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from diemcau.streaming import conf, harness, signing
from diemcau.streaming.ffmpeg import Rendition
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


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    ladder = [Rendition("144p", 144, 150, 32)]
    with harness.live_video("diemcau-live-", STREAM, ladder, conf.signing_secret()) as video:
        yield Live(video.base, video.secret, video.supervisor, video.origin, video.relay)
