"""The console's player in Debian's Chromium on the real video path: testsrc → ffmpeg → nginx
origin → nginx relay → hls.js.

What a site relies on: the stream plays in the console, the heartbeat tells the organisers it
plays (and at what bitrate), and when its relay dies the player moves to the next source by itself
and keeps playing — then goes back to the relay once it answers again.
"""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.operations import livestate
from diemcau.operations import services as operations
from diemcau.operations.livestate import MemoryStore
from diemcau.operations.models import SiteLive
from diemcau.streaming import conf, harness
from diemcau.streaming.ffmpeg import Rendition
from diemcau.streaming.harness import wait_for
from diemcau.streaming.health import check_relays
from diemcau.streaming.models import Stream, StreamState
from diemcau.streaming.relays import save_relay

pytestmark = pytest.mark.browser
# "muted": playing, but Chromium refused autoplay with sound (it wants a click first); whether
# it refuses depends on its media-engagement state, not on the player.
PLAYING = re.compile("^(playing|muted)$")

SITE = "HK-PLAYER"
STREAM = "hoi-nghi"
VENDORED = Path(__file__).resolve().parents[1] / "static" / "console" / "vendor" / "hls.min.js"
PLAYER = """async () => (await import(new URL("player.js",
    document.querySelector("script[type=module]").src))).health()"""


@dataclass
class Video:
    base: Path
    secret: str
    origin: harness.Nginx
    relay: harness.Nginx


@pytest.fixture(scope="module")
def video() -> Iterator[Video]:
    """Two renditions (the player chooses between them), ~2 s segments, one relay."""
    if not VENDORED.is_file():
        pytest.fail(f"{VENDORED} is missing: run scripts/vendor (hls.js from npm)", pytrace=False)
    ladder = [Rendition("144p", 144, 200, 48), Rendition("96p", 96, 80, 32)]
    with harness.live_video("diemcau-player-", STREAM, ladder, conf.signing_secret()) as video:
        yield Video(video.base, video.secret, video.origin, video.relay)


@pytest.fixture
def network(
    video: Video, units: None, make_site: Any, make_user: Any, settings: Any, monkeypatch: Any
) -> Iterator[dict[str, Any]]:
    settings.DIEMCAU_LIVE_FLUSHER = False  # flushed by hand: no thread outlives the test
    livestate.set_store(MemoryStore())
    operations.site_cache.clear()
    monkeypatch.setenv("DIEMCAU_STREAM_ORIGIN_URL", video.origin.url)
    Stream.objects.create(name=STREAM, state=StreamState.LIVE)
    save_relay("hn", video.relay.url, [HANOI], 1000, True)
    site = make_site(HOAN_KIEM, code=SITE, name="Điểm cầu xem trực tiếp")
    yield {
        "site": site,
        "operator": make_user("site_operator", SITE),
        "central": make_user("central_organiser"),
    }
    livestate.set_store(None)
    operations.site_cache.clear()


def advancing(page: Any, seconds: float = 1.5) -> bool:
    before = page.evaluate("document.getElementById('c-video').currentTime")
    time.sleep(seconds)
    after = page.evaluate("document.getElementById('c-video').currentTime")
    return bool(after > before)


def test_the_console_plays_reports_its_health_and_survives_a_dead_relay(
    video: Video, network: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_as(network["operator"]).new_page()
    page.goto(f"{live_server.url}/console/{SITE}/")
    state = page.locator("#c-player-state")
    expect(state).to_have_attribute("data-state", PLAYING, timeout=20_000)
    expect(state).to_contain_text("Đang phát")
    assert advancing(page), "the picture does not move"
    health = page.evaluate(PLAYER)
    assert health["playing"] and health["source"]["index"] == 0, health
    assert health["source"]["host"] == f"127.0.0.1:{video.relay.port}"
    assert 0 < health["bitrate"] < 400, health  # a level of the master playlist, in kbit/s

    def beat() -> SiteLive | None:
        operations.flush()
        live = SiteLive.objects.filter(site_id=network["site"].pk).first()
        return live if live is not None and live.playing and live.bitrate_kbps > 0 else None

    live = wait_for(beat, 15, "a heartbeat saying the site plays")
    assert live.buffer_s > 0
    assert 0 < live.latency_ms < 60_000

    video.relay.stop()
    stopped = time.monotonic()
    wait_for(
        lambda: (page.evaluate(PLAYER)["source"] or {}).get("index") == 1, 20, "the next source"
    )
    switched_s = time.monotonic() - stopped
    expect(state).to_have_attribute("data-state", PLAYING, timeout=15_000)
    assert advancing(page), "no picture from the origin"
    health = page.evaluate(PLAYER)
    assert health["source"]["host"] == f"127.0.0.1:{video.origin.port}", health
    assert switched_s < 20

    # The relay is repaired: the player's periodic check finds it and goes back to it.
    back = harness.relay(video.base / "relay-2", video.origin.url, video.secret, video.relay.port)
    back.start()
    try:
        found = page.evaluate(
            """async () => (await import(new URL("player.js",
                document.querySelector("script[type=module]").src))).recheck()"""
        )
        assert found is True
        wait_for(lambda: (page.evaluate(PLAYER)["source"] or {}).get("index") == 0, 15, "relay")
        expect(state).to_have_attribute("data-state", PLAYING, timeout=15_000)
        assert advancing(page)
    finally:
        back.stop()

    # The organisers see the ingest and the relays on the operations dashboard.
    [check] = check_relays(timeout=2)
    assert not check.up
    dashboard = browser_as(network["central"]).new_page()
    dashboard.goto(f"{live_server.url}/operations/")
    expect(dashboard.locator("#stream-network tr[data-code='hn']")).to_contain_text("Ngừng")
    expect(dashboard.locator("#stream-network tr[data-name='hoi-nghi']")).to_have_attribute(
        "data-state", "live"
    )
