"""The console's player on a thin link, in Debian's Chromium on the real video path (issue 22):
testsrc → ffmpeg (two video rungs and the audio rung) → nginx origin (DVR playlists kept by the
ingest) → nginx relay → a throttling proxy (the site's line) → hls.js.

What a commune hall relies on: when its line drops to 100 kbit/s the player falls to sound only
by itself and says so under the video; when the line recovers the picture comes back by itself;
then it can watch from the moment the picture was lost ("Xem lại từ lúc mất tín hiệu") within
the DVR window, the heartbeat tells the organisers how far behind live it is, and "Về trực tiếp"
takes it back.

The test bounds the fall by 40 s and the climb by 60 s (a loaded CI machine); the times are the
issue's figures (goals ≤ 10 s and ≤ 30 s), measured by the bench:
bench/bench_player_fallback.py runs this test with DIEMCAU_BENCH_OUT (a JSON file the figures are
written to), and again with DIEMCAU_BENCH_BASELINE=1: the weak-link rule off, hls.js's own
switching alone, measured up to the fall only.
"""

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.console.tests import throttle
from diemcau.operations import livestate
from diemcau.operations import services as operations
from diemcau.operations.livestate import MemoryStore
from diemcau.operations.models import SiteLive
from diemcau.streaming import conf, harness
from diemcau.streaming.ffmpeg import Rendition
from diemcau.streaming.harness import wait_for
from diemcau.streaming.models import Stream, StreamState
from diemcau.streaming.relays import save_relay

pytestmark = pytest.mark.browser
PLAYING = re.compile("^(playing|muted)$")
SITE = "HK-WEAK"
STREAM = "hoi-nghi"
# Small rungs keep ffmpeg light on a shared 2-core machine; the audio rung is the origin's shape
# (sound + a still every 2 s) at a lower sound bitrate, so that it fits 100 kbit/s with room for
# the probes.
LADDER = [
    Rendition("240p", 240, 300, 48),
    Rendition("144p", 144, 150, 32),
    Rendition("audio", 144, 16, 32, still_s=2),
]
SLOW_BPS = 100_000
BASELINE = os.environ.get("DIEMCAU_BENCH_BASELINE") == "1"
BASELINE_WAIT_S = 60
PLAYER = """async () => (await import(new URL("player.js",
    document.querySelector("script[type=module]").src))).{call}"""


@dataclass
class Video:
    base: Path
    origin: harness.Nginx
    relay: harness.Nginx
    link: throttle.Link
    relay_port: int
    origin_port: int


@pytest.fixture(scope="module")
def video() -> Iterator[Video]:
    with harness.live_video(
        "diemcau-weak-",
        STREAM,
        LADDER,
        conf.signing_secret(),
        test_size="426x240",
        dvr_window_s=conf.dvr_window_s(),
    ) as video:
        link = throttle.Link()
        try:
            relay_port, origin_port = (
                link.forward(video.relay.port),
                link.forward(video.origin.port),
            )
            yield Video(video.base, video.origin, video.relay, link, relay_port, origin_port)
        finally:
            link.close()


@pytest.fixture
def network(
    video: Video, units: None, make_site: Any, make_user: Any, settings: Any, monkeypatch: Any
) -> Iterator[dict[str, Any]]:
    settings.DIEMCAU_LIVE_FLUSHER = False
    livestate.set_store(MemoryStore())
    operations.site_cache.clear()
    # The site reaches the relay and the origin through its one (shaped) line.
    monkeypatch.setenv("DIEMCAU_STREAM_ORIGIN_URL", f"http://127.0.0.1:{video.origin_port}")
    Stream.objects.create(name=STREAM, state=StreamState.LIVE)
    save_relay("hn", f"http://127.0.0.1:{video.relay_port}", [HANOI], 1000, True)
    site = make_site(HOAN_KIEM, code=SITE, name="Nhà văn hoá xã đường truyền yếu")
    video.link.rate_bps = None
    yield {"site": site, "operator": make_user("site_operator", SITE)}
    video.link.rate_bps = None
    livestate.set_store(None)
    operations.site_cache.clear()


def health(page: Any) -> dict[str, Any]:
    return dict(page.evaluate(PLAYER.format(call="health()")))


def timeline(page: Any) -> list[tuple[float, str]]:
    """The player's events (audio, video, lost, rewind, live, weak:<rung>, probe:<kbit/s>…)."""
    events = page.evaluate(PLAYER.format(call="events()"))
    return [(round(e["at"] / 1000 % 1000, 1), e["kind"]) for e in events]


def write_figures(figures: dict[str, Any]) -> None:
    out = os.environ.get("DIEMCAU_BENCH_OUT")
    if out:
        Path(out).write_text(json.dumps(figures), encoding="utf-8")


def advancing(page: Any, seconds: float = 2.0) -> bool:
    before = page.evaluate("document.getElementById('c-video').currentTime")
    time.sleep(seconds)
    return bool(page.evaluate("document.getElementById('c-video').currentTime") > before)


def test_a_thin_link_falls_to_sound_climbs_back_and_rewinds_to_the_loss(
    video: Video, network: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_as(network["operator"]).new_page()
    if BASELINE:  # the bench's baseline: hls.js's own switching only
        page.add_init_script("globalThis.diemcauWeakLinkRule = false")
    page.goto(f"{live_server.url}/console/{SITE}/")
    state = page.locator("#c-player-state")
    notice = page.locator("#c-player-notice")
    expect(state).to_have_attribute("data-state", PLAYING, timeout=30_000)
    wait_for(lambda: advancing(page, 1), 20, "the picture moving")
    time.sleep(8)  # some picture in the DVR window before the loss
    first = health(page)
    assert first["playing"] and not first["audio_only"] and first["behind"] == 0, first
    lost_at = time.time()

    # The line drops to 100 kbit/s: sound only, said under the video.
    video.link.rate_bps = SLOW_BPS
    dropped = time.monotonic()
    if BASELINE:
        try:
            wait_for(
                lambda: health(page)["audio_only"] and health(page)["playing"],
                BASELINE_WAIT_S,
                "the audio rung",
            )
            fell: float | None = round(time.monotonic() - dropped, 1)
        except AssertionError:
            fell = None  # never within the wait
        write_figures({"to_audio_s": fell, "waited_s": BASELINE_WAIT_S})
        return
    try:  # the audio rung playing (its words show once the sound moves on), not just asked for
        wait_for(lambda: state.get_attribute("data-state") == "audio_only", 40, "the sound")
    except AssertionError as error:
        raise AssertionError(f"{error}: {state.inner_text()} {timeline(page)}") from None
    to_audio_s = time.monotonic() - dropped
    assert health(page)["audio_only"]
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("data-mode", "audio")
    expect(notice).to_contain_text("chỉ âm thanh do đường truyền yếu")
    assert advancing(page, 4), f"the sound does not play on the thin line: {timeline(page)}"
    assert health(page)["audio_only"], f"climbed back on the thin line: {timeline(page)}"

    # The heartbeat says so: the organisers see the site degraded, "sound only", and can call.
    def sound_only() -> SiteLive | None:
        operations.flush()
        live = SiteLive.objects.filter(site_id=network["site"].pk).first()
        return live if live is not None and live.audio_only else None

    heard = wait_for(sound_only, 20, "a heartbeat saying the site hears sound only")
    assert heard.state == "degraded", (heard.state, heard.reasons)
    assert "audio_only" in heard.reasons.split(","), heard.reasons

    # The line recovers: the picture comes back by itself.
    video.link.rate_bps = None
    recovered = time.monotonic()
    wait_for(lambda: not health(page)["audio_only"], 60, "a video rung again")
    expect(state).to_have_attribute("data-state", PLAYING, timeout=20_000)
    to_video_s = time.monotonic() - recovered
    assert advancing(page)

    # It offers to watch from the moment the picture was lost, within the DVR window.
    expect(notice).to_have_attribute("data-mode", "lost", timeout=10_000)
    rewind = page.locator("#c-rewind")
    expect(rewind).to_have_text("Xem lại từ lúc mất tín hiệu")
    # The player counts a place within LIVE_SLACK_S (15 s) of the edge as live: on a quick
    # recovery the lost moment can still be that close, and "behind" would never show.
    time.sleep(max(0.0, lost_at + 25 - time.time()))
    rewind.click()
    try:  # the DVR playlist loads and plays from the loss (slow on a loaded 2-core machine)
        wait_for(lambda: health(page)["behind"] > 0, 90, "playing behind live")
    except AssertionError as error:
        raise AssertionError(f"{error}: {health(page)} {timeline(page)}") from None
    expect(notice).to_have_attribute("data-mode", "behind")
    expect(notice).to_contain_text("chậm")
    expect(page.locator("#c-go-live")).to_have_text("Về trực tiếp")
    assert advancing(page)
    behind = health(page)["behind"]
    since_loss = time.time() - lost_at
    assert since_loss - 15 <= behind <= since_loss + 10, (behind, since_loss)

    def beat() -> SiteLive | None:
        operations.flush()
        live = SiteLive.objects.filter(site_id=network["site"].pk).first()
        return live if live is not None and live.behind_s > 0 and not live.audio_only else None

    live = wait_for(beat, 20, "a heartbeat saying the site watches behind live")
    assert live.state == "online", (live.state, live.reasons)  # a chosen rewind is no trouble

    page.locator("#c-go-live").click()
    wait_for(lambda: not health(page)["rewinding"], 10, "live again")
    expect(state).to_have_attribute("data-state", PLAYING, timeout=20_000)
    assert health(page)["behind"] == 0
    events = page.evaluate(PLAYER.format(call="events()"))
    kinds = [e["kind"] for e in events]
    assert kinds.index("lost") < kinds.index("audio") < kinds.index("rewind"), kinds
    assert kinds.index("rewind") < len(kinds) - 1 - kinds[::-1].index("live"), kinds
    write_figures(
        {
            "to_audio_s": round(to_audio_s, 1),
            "to_video_s": round(to_video_s, 1),
            "rewound_behind_s": behind,
            "events": events,
        }
    )
