"""The weak-link and latecomer path with the real engines: ffmpeg's audio rung, the DVR playlists
the ingest writes, and a recording cut from the live segments, played through a relay."""

import datetime as dt
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.streaming import conf, harness, recordings, signing
from diemcau.streaming.ffmpeg import Rendition
from diemcau.streaming.harness import wait_for
from diemcau.streaming.supervisor import Supervisor
from diemcau.streaming.viewer import get, playlist_uris, watch

STREAM = "dvr-live"
LADDER = [Rendition("144p", 144, 150, 32), Rendition("audio", 90, 16, 64, still_s=2)]
SEGMENT_LINE = re.compile(r'"GET (/\S+\.ts)" 200 ')


@dataclass
class Engines:
    hls: Path
    secret: str
    supervisor: Supervisor
    origin: harness.Nginx
    relay: harness.Nginx

    def path(self, site: str, name: str = STREAM, file: str = "master.m3u8") -> str:
        expires = int(time.time()) + 300
        return signing.playback_path(self.secret, expires, site, name, 1, file=file)


@pytest.fixture(scope="module")
def engines() -> Iterator[Engines]:
    with harness.live_video(
        "diemcau-dvr-",
        STREAM,
        LADDER,
        conf.signing_secret(),
        dvr_window_s=3600,
        ready=lambda video: (video.stream_dir / "dvr.m3u8").exists(),
    ) as video:
        yield Engines(video.hls, video.secret, video.supervisor, video.origin, video.relay)


def test_the_audio_rung_is_a_level_hls_js_keeps(engines):
    """hls.js drops variants without picture beside video ones: the audio rung declares one."""
    master = get(engines.relay.url + engines.path("HK-01")).body.decode()
    infos = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert playlist_uris(master) == ["144p/index.m3u8", "audio/index.m3u8"]
    audio = infos[1]
    assert "RESOLUTION=160x90" in audio and 'CODECS="avc1.' in audio and "mp4a.40.2" in audio
    bandwidth = int(re.search(r"BANDWIDTH=(\d+)", audio).group(1))  # type: ignore[union-attr]
    assert bandwidth < 100_000
    segment = (
        engines.hls
        / STREAM
        / "audio"
        / sorted(p.name for p in (engines.hls / STREAM / "audio").glob("seg_*.ts"))[0]
    )
    probe = subprocess.run(  # noqa: S603
        [shutil.which("ffprobe") or "ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_type,nb_read_frames", "-of", "csv=p=0", str(segment)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    kinds = dict(line.split(",")[:2] for line in probe.stdout.split())
    assert int(kinds["video"]) == 1  # one still per 2 s segment
    assert int(kinds["audio"]) > 50


def test_the_dvr_playlist_plays_through_the_relay_with_the_same_token(engines):
    wait_for(
        lambda: len(playlist_uris((engines.hls / STREAM / "144p/dvr.m3u8").read_text())) >= 3,
        20,
        "three segments in the DVR playlist",
    )
    dvr_master = get(engines.relay.url + engines.path("HK-01", file="dvr.m3u8"))
    assert dvr_master.status == 200
    assert playlist_uris(dvr_master.body.decode()) == ["144p/dvr.m3u8", "audio/dvr.m3u8"]
    live = get(engines.origin.url + engines.path("HK-01", file="144p/index.m3u8")).body.decode()
    dvr = get(engines.relay.url + engines.path("HK-01", file="144p/dvr.m3u8")).body.decode()
    assert "#EXT-X-PROGRAM-DATE-TIME:" in live and "#EXT-X-PROGRAM-DATE-TIME:" in dvr
    assert dvr.index("#EXT-X-PROGRAM-DATE-TIME:") < dvr.index(".ts\n")  # the first segment's
    assert playlist_uris(live)[0] in playlist_uris(dvr)  # the window reaches past the live one
    assert "#EXT-X-MEDIA-SEQUENCE:0\n" in dvr  # the journal's own dense numbers
    result = watch([engines.relay.url + engines.path("HK-01", file="dvr.m3u8")], segments=3)
    assert result.ok and set(result.statuses) == {200}
    forged = engines.path("HK-02", file="dvr.m3u8").replace("/HK-02/", "/HK-01/")
    assert get(engines.relay.url + forged).status == 403


@pytest.mark.django_db
def test_a_recording_of_the_live_segments_plays_through_the_relay(engines, make_site, monkeypatch):
    from diemcau.programme.models import Conference, Day, Session
    from diemcau.streaming.models import Stream
    from diemcau.streaming.relays import save_relay

    monkeypatch.setenv("DIEMCAU_STREAM_HLS_ROOT", str(engines.hls))
    monkeypatch.setenv("DIEMCAU_STREAM_ORIGIN_URL", engines.origin.url)
    wait_for(
        lambda: len(playlist_uris((engines.hls / STREAM / "144p/dvr.m3u8").read_text())) >= 4,
        20,
        "four segments",
    )
    now = dt.datetime.now(dt.UTC)
    conference = Conference.objects.create(
        slug="c", name="HN", host="BTC", starts_on=now.date(), ends_on=now.date()
    )
    day = Day.objects.create(conference=conference, date=now.date())
    session = Session.objects.create(
        day=day, title="Phiên", starts_at=dt.time(0, 0), ends_at=dt.time(23, 59)
    )
    Stream.objects.create(name=STREAM, conference=conference)
    save_relay("hn", engines.relay.url, [HANOI], 1000, True)
    site = make_site(HOAN_KIEM, code="REC-01")
    other = make_site(HOAN_KIEM, code="REC-02")
    central = recordings.Scope(user_id=0, everything=True)
    recording = recordings.make_recording(
        central, session.pk, start=now - dt.timedelta(minutes=5), end=now
    )
    assert recording.segments >= 3 and recording.renditions == ["144p", "audio"]
    vod = (engines.hls / recording.name / "144p/index.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in vod and "#EXT-X-ENDLIST" in vod
    # The recording's segments pass ffprobe as they are: the live files, linked.
    first = engines.hls / recording.name / "144p" / playlist_uris(vod)[0]
    assert first.samefile(engines.hls / STREAM / "144p" / first.name)

    offset = engines.origin.access_log.stat().st_size
    for who in (site, other, site):
        playback = recordings.recording_playback_for_site(who, recording)
        assert playback.urls[0].startswith(engines.relay.url)
        result = watch(playback.urls, segments=3)
        assert result.ok and result.served_by == playback.urls[0], result
        media = urljoin(playback.urls[0], "144p/index.m3u8")
        assert get(media).body.decode() == vod
    with engines.origin.access_log.open() as log:
        log.seek(offset)
        fetched = Counter(m.group(1) for m in map(SEGMENT_LINE.search, log) if m)
    assert fetched and max(fetched.values()) == 1, fetched  # the relay asked once per segment
