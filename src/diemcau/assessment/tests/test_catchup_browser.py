"""A delegate catches up on a session in Debian's Chromium (issue 22): the real recording path —
testsrc → ffmpeg → the ingest's journal → a recording cut from it (no re-encode) → nginx origin →
the delegate's province relay, with a signed URL — played on the delegate's own page from a
topic's start; the minutes watched the player reports reach the completion figures."""

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from diemcau.accounts.scopes import scope_for
from diemcau.assessment import links
from diemcau.assessment.catchup import services as catchup
from diemcau.assessment.completion import services as completion
from diemcau.assessment.delegate import services as delegate_side
from diemcau.assessment.models import AssessmentSettings, CatchUpRule
from diemcau.assessment.tests.helpers import make_conference, make_delegate
from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.streaming import conf, harness, recordings
from diemcau.streaming.ffmpeg import Rendition
from diemcau.streaming.harness import wait_for
from diemcau.streaming.models import Recording, Stream, StreamState
from diemcau.streaming.relays import save_relay

pytestmark = pytest.mark.browser
STREAM = "hoi-nghi-xem-lai"
LADDER = [Rendition("144p", 144, 150, 32), Rendition("audio", 144, 16, 32, still_s=2)]
RECORDED_S = 20  # seconds of the stream cut into the session's recording
TOPIC_2_AT = 6


@dataclass
class Video:
    hls: Path
    origin: harness.Nginx
    relay: harness.Nginx


@pytest.fixture(scope="module")
def video() -> Iterator[Video]:
    with harness.live_video(
        "diemcau-catchup-", STREAM, LADDER, conf.signing_secret(), dvr_window_s=7200
    ) as video:
        time.sleep(RECORDED_S + 4)  # the session's part of the stream
        yield Video(video.hls, video.origin, video.relay)


def test_a_delegate_plays_a_recording_from_a_topic_and_it_counts_for_completion(
    video: Video,
    units: None,
    chromium: Any,
    browser_as: Any,
    live_server: Any,
    make_site: Any,
    make_user: Any,
    monkeypatch: Any,
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setenv("DIEMCAU_STREAM_ORIGIN_URL", video.origin.url)
    save_relay("hn", video.relay.url, [HANOI], 1000, True)
    conference, sessions = make_conference()
    AssessmentSettings.objects.filter(conference=conference).update(
        min_sessions=1, require_quiz=False, min_report_score=None
    )
    CatchUpRule.objects.create(conference=conference, percent=60)
    Stream.objects.create(name=STREAM, state=StreamState.LIVE, conference=conference)
    central = scope_for(make_user("central_organiser"))
    now = dt.datetime.now(dt.UTC)
    recording = recordings.make_recording(
        central,
        sessions[0].pk,
        STREAM,
        now - dt.timedelta(seconds=RECORDED_S + 2),
        now - dt.timedelta(seconds=2),
        hls_root=video.hls,
    )
    topics = [
        {"topic": 1, "number": 1, "title": "Chuyên đề 1", "offset_s": 0},
        {"topic": 2, "number": 2, "title": "Chuyên đề 2", "offset_s": TOPIC_2_AT},
    ]
    Recording.objects.filter(pk=recording.pk).update(topics=topics)
    site = make_site(HOAN_KIEM, code="HK-XEMLAI")
    delegate = make_delegate(site, "Phạm Văn Vắng")  # absent from every session
    token = links.token_for(delegate)

    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": delegate_side.COOKIE,
                "value": delegate_side.issue_pass(delegate),
                "url": live_server.url,
            }
        ]
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/hoc-vien/{token}/{conference.pk}/")
        listed = page.locator("#recordings")
        expect(listed).to_contain_text("Xem lại bản ghi")
        expect(listed).to_contain_text("60%")
        listed.get_by_role("link", name="Chuyên đề 2").click()

        # It starts at the topic, through the province's relay, with a signed URL.
        video_el = "document.getElementById('catchup-video')"
        # played is filled a moment after currentTime moves: wait for the range itself.
        wait_for(lambda: page.evaluate(f"{video_el}.played.length") > 0, 30, "the recording")
        first = page.evaluate(f"{video_el}.played.start(0)")
        assert TOPIC_2_AT - 2.5 <= first <= TOPIC_2_AT + 2.5, first
        expect(page.locator("#catchup-state")).to_have_text("Đang phát bản ghi.")
        log = video.relay.access_log.read_text()
        assert f"/{recording.name}/master.m3u8" in log and "/live/" in log

        wait_for(lambda: page.evaluate(f"{video_el}.ended"), 40, "the end of the recording")
        page.evaluate("window.diemcauCatchup.report()")
        expect(page.locator("#catchup-percent")).not_to_have_text(
            f"{0}%", timeout=10_000
        )  # the answer came back
        shown = int(page.locator("#catchup-percent").inner_text().rstrip("%"))
        expected = 100 * (recording.duration_s - TOPIC_2_AT) / recording.duration_s
        assert expected - 12 <= shown <= expected + 2, (shown, expected)

        # The minutes reach the completion figures: followed by recording, complete.
        status = completion.statuses([delegate.pk], conference.pk)[delegate.pk]
        assert (status.attended, status.caught_up, status.complete) == (0, 1, True)
        rates = completion.rates(central, conference.pk, None)
        assert (rates["caught_up"], rates["completed"]) == (1, 1)
        minutes = catchup.watched_minutes([delegate.pk], conference.pk)[delegate.pk]
        assert 0 < minutes <= recording.duration_s / 60
        page.goto(f"{live_server.url}/hoc-vien/{token}/{conference.pk}/")
        expect(page.locator("#caught-up")).to_have_text("1")
    finally:
        context.close()

    # The site's console lists the recording per topic and plays a topic in its player.
    operator = make_user("site_operator", site.code)
    console = browser_as(operator).new_page()
    console.goto(f"{live_server.url}/console/{site.code}/")
    topic = console.locator(f"#c-recordings li[data-recording='{recording.pk}'] .c-topic-link")
    expect(topic.nth(1)).to_contain_text("Chuyên đề 2")
    topic.nth(1).click()
    player = """async () => (await import(new URL("player.js",
        document.querySelector("script[type=module]").src))).health()"""
    wait_for(lambda: console.evaluate(player)["recording"] == recording.pk, 15, "the recording")
    wait_for(
        lambda: console.evaluate("document.getElementById('c-video').currentTime") >= TOPIC_2_AT,
        30,
        "the console playing from the topic",
    )
    expect(console.locator("#c-player-notice")).to_contain_text("Đang phát bản ghi")
    console.locator("#c-go-live").click()
    wait_for(lambda: console.evaluate(player)["recording"] is None, 10, "live again")
