"""The DVR window and the segment journal the ingest keeps beside ffmpeg's short playlists."""

import datetime as dt

from diemcau.streaming.dvr import DvrWriter, read_journal
from diemcau.streaming.tests.synthetic import feed, live_playlist

T0 = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)


def _uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _tag(text: str, name: str) -> str | None:
    for line in text.splitlines():
        if line.startswith(f"#{name}:"):
            return line.split(":", 1)[1]
    return None


def test_the_dvr_playlist_keeps_the_window_while_the_live_one_keeps_six(tmp_path):
    writer = DvrWriter(tmp_path / "s", window_s=60)
    feed(writer, T0, 100)  # 200 s of segments, polled after each one
    live = (tmp_path / "s/480p/index.m3u8").read_text()
    dvr = (tmp_path / "s/480p/dvr.m3u8").read_text()
    assert len(_uris(live)) == 6
    # 60 s of 2 s segments (the one straddling the window's start stays)
    assert _uris(dvr) == [f"seg_{n}.ts" for n in range(1070, 1100)]
    assert _tag(dvr, "EXT-X-MEDIA-SEQUENCE") == "70"
    assert "#EXT-X-ENDLIST" not in dvr and "PLAYLIST-TYPE" not in dvr
    # The wall time of the first segment; the others follow from the lengths.
    assert _tag(dvr, "EXT-X-PROGRAM-DATE-TIME") == "2026-12-05T01:02:20.000+00:00"
    assert dvr.count("#EXT-X-PROGRAM-DATE-TIME:") == 1
    master = (tmp_path / "s/dvr.m3u8").read_text()
    assert _uris(master) == ["480p/dvr.m3u8", "audio/dvr.m3u8"]
    assert "RESOLUTION=256x144" in master
    assert [s.index for s in read_journal(tmp_path / "s/audio")] == list(range(100))


def test_a_restarted_ffmpeg_is_a_discontinuity_and_the_sequence_stays_dense(tmp_path):
    writer = DvrWriter(tmp_path / "s", window_s=3600)
    feed(writer, T0, 10, first_seq=1000)
    # The restarted ffmpeg numbers from a later epoch; a new writer (a restarted ingest) too.
    writer = DvrWriter(tmp_path / "s", window_s=3600)
    feed(writer, T0 + dt.timedelta(seconds=40), 5, first_seq=5000)
    journal = list(read_journal(tmp_path / "s/480p"))
    assert [s.index for s in journal] == list(range(15))
    assert [s.discontinuity for s in journal] == [False] * 10 + [True] + [False] * 4
    dvr = (tmp_path / "s/480p/dvr.m3u8").read_text()
    assert dvr.count("#EXT-X-DISCONTINUITY\n") == 1
    assert _uris(dvr)[9:11] == ["seg_1009.ts", "seg_5000.ts"]
    # A wall time at the start and again after the restart (20 s later than the lengths say).
    stamps = [ln.split(":", 1)[1] for ln in dvr.splitlines() if ln.startswith("#EXT-X-PROGRAM")]
    assert stamps == ["2026-12-05T01:00:00.000+00:00", "2026-12-05T01:00:40.000+00:00"]


def test_the_discontinuity_sequence_counts_what_left_the_window(tmp_path):
    writer = DvrWriter(tmp_path / "s", window_s=20)
    feed(writer, T0, 10, first_seq=1000)
    feed(writer, T0 + dt.timedelta(seconds=30), 30, first_seq=7000)
    dvr = (tmp_path / "s/480p/dvr.m3u8").read_text()
    assert "#EXT-X-DISCONTINUITY\n" not in dvr
    assert _tag(dvr, "EXT-X-DISCONTINUITY-SEQUENCE") == "1"


def test_a_poll_without_change_writes_nothing_and_a_repeat_is_not_journalled(tmp_path):
    writer = DvrWriter(tmp_path / "s", window_s=60)
    feed(writer, T0, 8)
    folder = tmp_path / "s/480p"
    (folder / "index.m3u8").write_text(live_playlist(1002, T0 + dt.timedelta(seconds=4), 6))
    for rendition in writer.renditions.values():
        rendition.mtime = 0.0
    assert writer.poll() == 0
    assert len(list(read_journal(folder))) == 8


def test_prune_removes_old_segments_but_not_a_recordings_links(tmp_path):
    writer = DvrWriter(tmp_path / "s", window_s=20, keep_s=40)
    feed(writer, T0, 50)  # 100 s
    held = tmp_path / "rec" / "seg_1000.ts"
    held.parent.mkdir()
    held.hardlink_to(tmp_path / "s/480p/seg_1000.ts")
    now_ms = round((T0 + dt.timedelta(seconds=100)).timestamp() * 1000)
    removed = writer.prune(now_ms)
    assert removed == 2 * 29  # segments that ended before 60 s, in both renditions
    left = sorted(p.name for p in (tmp_path / "s/480p").glob("seg_*.ts"))
    assert left[0] == "seg_1029.ts" and len(left) == 21
    assert next(s.uri for s in read_journal(tmp_path / "s/480p")) == "seg_1029.ts"
    assert held.read_bytes() == b"G" * 188
