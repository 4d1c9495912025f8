"""Session recordings: cut from the journal without re-encoding, listed per topic, played by a
site through its relays with signed URLs, kept and deleted by central organisers."""

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from diemcau.audit.models import Entry
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.programme.models import Conference, Day, Session, Topic
from diemcau.streaming import conf, recordings, signing
from diemcau.streaming.dvr import DvrWriter
from diemcau.streaming.models import Recording, Stream
from diemcau.streaming.relays import save_relay
from diemcau.streaming.tests.synthetic import feed

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2026, 12, 5)


@pytest.fixture
def hls(tmp_path, monkeypatch):
    monkeypatch.setenv("DIEMCAU_STREAM_HLS_ROOT", str(tmp_path))
    monkeypatch.setenv("DIEMCAU_STREAM_ORIGIN_URL", "http://origin.test:8090")
    return tmp_path


@pytest.fixture
def session(hls) -> Session:
    conference = Conference.objects.create(
        slug="c", name="Hội nghị", host="BTC", starts_on=DAY, ends_on=DAY
    )
    Stream.objects.create(name="hoi-nghi", conference=conference)
    day = Day.objects.create(conference=conference, date=DAY)
    session = Session.objects.create(
        day=day, title="Phiên sáng", starts_at=dt.time(8, 0), ends_at=dt.time(8, 4)
    )
    for n, minutes in ((1, 1), (2, 2), (3, 60)):
        Topic.objects.create(
            session=session, number=n, order=n, title=f"CĐ {n}", planned_minutes=minutes
        )
    # The stream ran from 7:59 to 8:05: 6 minutes of 2 s segments.
    feed(
        DvrWriter(hls / "hoi-nghi", 7200), dt.datetime(2026, 12, 5, 7, 59, tzinfo=HCM), 180, step=30
    )
    return session


def test_a_session_becomes_a_vod_playlist_over_hard_links(api_as, session, hls):
    response = api_as("central_organiser").post(
        "/api/v1/streaming/recordings", {"session": session.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["segments"] == 120 and body["duration_s"] == 240.0
    assert body["renditions"] == ["480p", "audio"]
    assert body["started_at"].startswith("2026-12-05T01:00:00")
    # Topic offsets from the planned minutes; the last is cut to the recording's length.
    assert [(t["number"], t["offset_s"]) for t in body["topics"]] == [(1, 0), (2, 60), (3, 180)]
    folder = hls / body["name"]
    assert body["name"].startswith(f"rec-{session.pk}-")
    master = (folder / "master.m3u8").read_text()
    assert "480p/index.m3u8" in master and "audio/index.m3u8" in master
    vod = (folder / "audio/index.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in vod and vod.rstrip().endswith("#EXT-X-ENDLIST")
    assert vod.count("#EXTINF:") == 120
    assert _uris(vod)[0] == "seg_1030.ts"  # 8:00 is 30 segments after 7:59
    first = folder / "audio/seg_1030.ts"
    assert first.stat().st_nlink == 2  # the live file's own inode: nothing copied
    assert first.samefile(hls / "hoi-nghi/audio/seg_1030.ts")
    assert not (folder / "audio/seg_1029.ts").exists()
    assert Entry.objects.filter(content_type__model="recording", action=0).count() == 1


def test_only_central_organisers_make_keep_and_delete(api_as, make_site, session):
    recording = recordings.make_recording(_central(), session.pk)
    make_site(HOAN_KIEM, code="HK-09")
    for role, scope in (("province_organiser", HANOI), ("site_operator", "HK-09")):
        client = api_as(role, scope)
        made = client.post(
            "/api/v1/streaming/recordings", {"session": session.pk}, content_type="application/json"
        )
        assert made.status_code == 403
        gone = client.delete(f"/api/v1/streaming/recordings/{recording.pk}")
        assert gone.status_code == 403
        keep = client.patch(
            f"/api/v1/streaming/recordings/{recording.pk}",
            {"keep_until": "2030-01-01T00:00:00+07:00"},
            content_type="application/json",
        )
        assert keep.status_code == 403
    assert Recording.objects.filter(pk=recording.pk).exists()


def test_delete_removes_files_and_is_audited(api_as, session, hls):
    recording = recordings.make_recording(_central(), session.pk)
    central = api_as("central_organiser")
    keep = central.patch(
        f"/api/v1/streaming/recordings/{recording.pk}",
        {"keep_until": "2027-06-01T00:00:00+07:00"},
        content_type="application/json",
    )
    assert keep.status_code == 200
    kept = dt.datetime.fromisoformat(keep.json()["keep_until"])
    assert kept == dt.datetime(2027, 5, 31, 17, 0, tzinfo=dt.UTC)
    response = central.delete(f"/api/v1/streaming/recordings/{recording.pk}")
    assert response.status_code == 200
    assert response.json()["files"] == 2 * 120 + 3
    assert not (hls / recording.name).exists()
    assert (hls / "hoi-nghi/audio/seg_1030.ts").exists()  # the live file is another link
    event = Entry.objects.get(event="delete_recording")
    assert recording.name in event.object_repr
    assert central.get(f"/api/v1/streaming/recordings/{recording.pk}").status_code == 404


def test_expired_recordings_are_pruned(session, hls):
    recording = recordings.make_recording(_central(), session.pk)
    later = recording.keep_until + dt.timedelta(seconds=1)
    assert recordings.prune_recordings(recording.keep_until) == []
    assert recordings.prune_recordings(later) == [recording.name]
    assert not (hls / recording.name).exists()
    assert Entry.objects.filter(event="expire_recording").count() == 1


def test_listing_by_conference_and_session(api_as, session):
    recording = recordings.make_recording(_central(), session.pk)
    viewer = api_as("province_organiser", HUE)
    rows = viewer.get(f"/api/v1/streaming/recordings?conference={session.day.conference_id}")
    assert rows.status_code == 200
    assert [r["id"] for r in rows.json()] == [recording.pk]
    assert viewer.get("/api/v1/streaming/recordings?session=0").json() == []
    one = viewer.get(f"/api/v1/streaming/recordings/{recording.pk}").json()
    assert one["session_title"] == "Phiên sáng" and len(one["topics"]) == 3


def test_a_site_plays_a_recording_through_its_relays_with_a_signed_url(api_as, make_site, session):
    save_relay("hn", "http://relay-hn.test:8080", [HANOI], 1000, True)
    save_relay("hue", "http://relay-hue.test:8080", [HUE], 1000, True)
    make_site(HOAN_KIEM, code="HK-01")
    make_site(first_commune(HUE).code, code="HUE-01")
    recording = recordings.make_recording(_central(), session.pk)
    province = api_as("province_organiser", HANOI)
    url = f"/api/v1/streaming/recordings/{recording.pk}/playback?site=HK-01"
    body = province.get(url).json()
    assert body["kind"] == "recording" and body["recording"] == recording.pk
    assert body["duration_s"] == 240.0 and body["dvr_urls"] == []
    hosts = [urlsplit(u).hostname for u in body["urls"]]
    assert hosts == ["relay-hn.test", "relay-hue.test", "origin.test"]
    _, live, st, expires, site, name, file = urlsplit(body["urls"][0]).path.split("/")
    assert (live, site, name, file) == ("live", "HK-01", recording.name, "master.m3u8")
    assert st == signing.token(conf.signing_secret(), int(expires), "HK-01", recording.name, 1)
    # Another province's site does not exist for this organiser.
    other = f"/api/v1/streaming/recordings/{recording.pk}/playback?site=HUE-01"
    assert province.get(other).status_code == 404


def test_a_delegates_page_can_sign_for_the_delegates_site(make_site, session):
    site = make_site(HOAN_KIEM, code="HK-02")
    recording = recordings.make_recording(_central(), session.pk)
    playback = recordings.recording_playback_for_site(site, recording)
    assert playback.urls[-1].startswith("http://origin.test:8090/live/")
    assert f"/HK-02/{recording.name}/master.m3u8" in playback.urls[-1]
    assert playback.expires_in_s > 3600


def test_no_segments_in_the_session_is_a_clear_error(api_as, session):
    response = api_as("central_organiser").post(
        "/api/v1/streaming/recordings",
        {"session": session.pk, "start": "2026-12-05T12:00:00+07:00"},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_ended_sessions_get_their_recording_once(session):
    before_end = dt.datetime(2026, 12, 5, 8, 3, tzinfo=HCM)
    assert recordings.record_ended_sessions(before_end) == []
    after = dt.datetime(2026, 12, 5, 8, 5, tzinfo=HCM)
    made = recordings.record_ended_sessions(after)
    assert [r.session_id for r in made] == [session.pk]
    assert recordings.record_ended_sessions(after) == []


def test_an_ingest_records_only_the_sessions_of_its_own_stream(session):
    after = dt.datetime(2026, 12, 5, 8, 5, tzinfo=HCM)
    assert recordings.record_ended_sessions(after, stream_name="khac") == []
    made = recordings.record_ended_sessions(after, stream_name="hoi-nghi")
    assert [r.stream.name for r in made] == ["hoi-nghi"]


def test_live_playback_tells_the_player_about_the_dvr_window(api_as, make_site, session):
    Stream.objects.filter(name="hoi-nghi").update(
        last_segment_at=dt.datetime(2026, 12, 5, 1, 12, tzinfo=dt.UTC)
    )
    make_site(HOAN_KIEM, code="HK-03")
    url = "/api/v1/streaming/sites/HK-03/playback?stream=hoi-nghi"
    body = api_as("central_organiser").get(url).json()
    assert body["kind"] == "live" and body["dvr_window_s"] == 7200 and body["segment_s"] == 2
    assert [u.rsplit("/", 1)[1] for u in body["dvr_urls"]] == ["dvr.m3u8"]
    assert body["dvr_urls"][0].rsplit("/", 1)[0] == body["urls"][0].rsplit("/", 1)[0]
    assert body["live_edge_at"].startswith("2026-12-05T01:12:00")
    assert body["server_time"]


def _uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _central():
    from diemcau.accounts.scopes import Scope

    return Scope(user_id=0, everything=True)


def test_the_recordings_commands(session, hls):
    from click.testing import CliRunner

    from diemcau.streaming.cli import stream_group

    runner = CliRunner()
    made = runner.invoke(stream_group, ["recordings", "make", "--session", str(session.pk)])
    assert made.exit_code == 0, made.output
    recording = Recording.objects.get()
    assert recording.name in made.output and "4 phút" in made.output
    listed = runner.invoke(stream_group, ["recordings", "list"])
    assert recording.name in listed.output
    kept = runner.invoke(
        stream_group, ["recordings", "keep", str(recording.pk), "--until", "2027-01-31"]
    )
    assert kept.exit_code == 0 and "31/01/2027" in kept.output
    bad = runner.invoke(stream_group, ["recordings", "keep", str(recording.pk), "--until", "mai"])
    assert bad.exit_code == 1 and "cần dạng" in bad.output
    late = ["--from", "2026-12-05T12:00", "--to", "2026-12-05T13:00"]
    again = runner.invoke(stream_group, ["recordings", "make", "--session", str(session.pk), *late])
    assert again.exit_code == 1 and "không có đoạn video" in again.output
    gone = runner.invoke(stream_group, ["recordings", "delete", str(recording.pk)])
    assert gone.exit_code == 0 and "(243 tệp)" in gone.output
    assert not (hls / recording.name).exists()


def test_the_programme_page_lists_each_topics_start_in_the_recording(
    client, make_user, session, settings
):
    settings.LANGUAGE_CODE = "vi"
    recording = recordings.make_recording(_central(), session.pk)
    client.force_login(make_user("province_organiser", HUE))
    url = f"/programme/{session.day.conference_id}/?day=2026-12-05"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert page.count(f'data-recording="{recording.pk}"') == 4  # the session and its 3 topics
    assert "Bản ghi: từ 0:00:00" in page and "Bản ghi: từ 0:01:00" in page
    assert "Bản ghi: từ 0:03:00" in page
    assert "4 phút, lưu đến" in page


def test_the_origin_sweeps_folders_whose_recording_was_deleted_elsewhere(session, hls):
    kept = recordings.make_recording(_central(), session.pk)
    orphan = recordings.make_recording(_central(), session.pk)
    Recording.objects.filter(pk=orphan.pk).delete()  # as an app server without the folder does
    assert recordings.sweep_orphans(hls) == []  # too young: its row may be on its way
    assert recordings.sweep_orphans(hls, min_age_s=0) == [orphan.name]
    assert (hls / kept.name / "master.m3u8").exists() and not (hls / orphan.name).exists()
    assert (hls / "hoi-nghi/audio/seg_1030.ts").exists()


def test_an_organiser_corrects_where_topics_start(api_as, session):
    recording = recordings.make_recording(_central(), session.pk)
    first, second, third = (t["topic"] for t in recording.topics)
    url = f"/api/v1/streaming/recordings/{recording.pk}"
    central = api_as("central_organiser")
    moved = central.patch(
        url,
        {"topics": [{"topic": second, "offset_s": 95}, {"topic": third, "offset_s": 200}]},
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.content
    assert [(t["topic"], t["offset_s"]) for t in moved.json()["topics"]] == [
        (first, 0),
        (second, 95),
        (third, 200),
    ]
    for wrong in ({"topic": 999_999, "offset_s": 10}, {"topic": second, "offset_s": 240}):
        refused = central.patch(url, {"topics": [wrong]}, content_type="application/json")
        assert refused.status_code == 422
    assert Recording.objects.get(pk=recording.pk).topics[1]["offset_s"] == 95
    other = api_as("province_organiser", HANOI).patch(url, {}, content_type="application/json")
    assert other.status_code == 403
    assert Entry.objects.filter(content_type__model="recording", action=1).count() == 1
