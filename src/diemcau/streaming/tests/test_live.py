"""The video path with the real engines: testsrc → ffmpeg → origin nginx → relay nginx → viewers.

What a site relies on: its signed URL plays through its relay, a wrong, expired or revoked token
gets 403 everywhere (even for a segment the relay has cached), the origin sends each segment
about once per relay however many sites watch, and a dead relay falls over to the origin.
"""

import json
import os
import re
import signal
import threading
import time
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from click.testing import CliRunner

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.streaming import harness
from diemcau.streaming.cli import stream_group
from diemcau.streaming.harness import wait_for
from diemcau.streaming.models import Stream
from diemcau.streaming.relays import save_relay
from diemcau.streaming.services import key_versions
from diemcau.streaming.tests.conftest import STREAM, Live
from diemcau.streaming.viewer import get, playlist_uris, watch

SEGMENT_LINE = re.compile(r'"GET (/\S+\.ts)" 200 ')


def _segment_path(live: Live, site: str, version: int = 1) -> str:
    playlist = get(live.origin.url + live.path(site, version, file="144p/index.m3u8"))
    assert playlist.status == 200
    last = playlist_uris(playlist.body.decode())[-1]
    return live.path(site, version, file=f"144p/{last}")


def test_a_signed_url_plays_through_the_relay_and_the_origin(live):
    for base in (live.relay.url, live.origin.url):
        result = watch([base + live.path("HK-01")], segments=2)
        assert result.ok, result
        assert result.statuses == [200] * len(result.statuses)
        assert result.bytes > 1000


def test_bad_expired_and_foreign_tokens_get_403(live):
    good = live.path("HK-01")
    token = good.split("/")[2]
    tampered = good.replace(token, ("A" if token[0] != "A" else "B") + token[1:])
    expired = live.path("HK-01", ttl=-5)
    other_site = good.replace("/HK-01/", "/HK-02/")  # HK-01's token shown by another site
    other_stream = good.replace(f"/{STREAM}/", "/khac/")
    unsigned = f"/{STREAM}/master.m3u8"
    for base in (live.relay.url, live.origin.url):
        assert get(base + good).status == 200
        for path in (tampered, expired, other_site, other_stream):
            assert get(base + path).status == 403, (base, path)
        assert get(base + unsigned).status == 404


def test_a_cached_segment_still_needs_a_good_token_at_the_relay(live):
    segment = _segment_path(live, "HK-01")
    assert get(live.relay.url + segment).status == 200  # now in the relay's cache
    token = segment.split("/")[2]
    forged = segment.replace(token, ("A" if token[0] != "A" else "B") + token[1:])
    assert get(live.relay.url + forged).status == 403


def _fresh_segment(live: Live) -> str:
    """The name of a segment that appears after this call: nobody has fetched it yet."""
    playlist = live.path("PROBE", file="144p/index.m3u8")

    def names() -> list[str]:
        return playlist_uris(get(live.origin.url + playlist).body.decode())

    seen = set(names())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fresh = [name for name in names() if name not in seen]
        if fresh:
            return fresh[-1]
        time.sleep(0.05)
    raise AssertionError("ffmpeg wrote no new segment in 10 s")


def test_origin_sends_each_segment_at_most_once_to_a_relay_with_20_concurrent_viewers(live):
    segment = _fresh_segment(live)
    offset = live.origin.access_log.stat().st_size
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    results = [None] * 20

    def viewer(i: int) -> None:
        site = f"SITE-{i:02d}"  # each site its own token: the relay's cache key ignores it
        barrier.wait()
        statuses.append(get(live.relay.url + live.path(site, file=f"144p/{segment}")).status)
        results[i] = watch([live.relay.url + live.path(site)], segments=3)

    threads = [threading.Thread(target=viewer, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert statuses == [200] * 20
    assert all(r is not None and r.ok for r in results), results
    with live.origin.access_log.open() as log:
        log.seek(offset)
        fetched = Counter(m.group(1) for m in map(SEGMENT_LINE.search, log) if m)
    assert fetched[f"/{STREAM}/144p/{segment}"] == 1, fetched
    assert max(fetched.values()) == 1, fetched


def test_a_revoked_site_gets_403_once_nginx_has_the_new_key_version(live):
    old = live.path("REV-01")
    assert get(live.relay.url + old).status == 200
    # The origin first: a relay's cache miss carries the site's token to the origin.
    for engine in (live.origin, live.relay):
        engine.reload({"REV-01": 2})
    new = live.path("REV-01", version=2)
    for base in (live.origin.url, live.relay.url):
        # The new version accepted shows this engine has the new map (a relay not yet reloaded
        # may still pass the old token on to the origin, which refuses it).
        wait_for(lambda b=base: get(b + new).status == 200, 10, f"the new key at {base}")
        assert get(base + old).status == 403
        assert get(base + live.path("HK-01")).status == 200  # other sites unaffected


def test_a_403_from_the_origin_is_not_served_to_other_sites(live):
    """The relay's cache key leaves out the token, so a refusal must never be cached."""
    old = live.path("LATE-01")
    live.origin.reload({"LATE-01": 2})  # the relay has not been told yet
    wait_for(lambda: get(live.origin.url + old).status == 403, 10, "the origin to refuse")
    # Once the relay's cached playlist expires (1-2 s), its next miss asks the origin: 403.
    wait_for(lambda: get(live.relay.url + old).status == 403, 10, "the refusal through the relay")
    assert get(live.relay.url + live.path("HK-01")).status == 200


def test_failover_to_the_origin_when_the_relay_stops(live):
    relay = harness.relay(live.base / "relay-failover", live.origin.url, live.secret).start()
    urls = [relay.url + live.path("HK-01"), live.origin.url + live.path("HK-01")]
    try:
        assert watch(urls).served_by == urls[0]
    finally:
        relay.stop()
    result = watch(urls)
    assert result.ok, result
    assert (result.served_by, result.failovers) == (urls[1], 1)


def test_ingest_restarts_ffmpeg_after_a_crash_and_keeps_playing(live):
    supervisor = live.supervisor
    before = supervisor.state.restarts
    pid = supervisor.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: supervisor.state.restarts == before + 1, 10, "a restart")
    last = supervisor.state.last_segment_at
    wait_for(
        lambda: supervisor.state.state == "live" and supervisor.state.last_segment_at != last,
        15,
        "new segments after the restart",
    )
    assert supervisor.pid != pid
    state = json.loads((supervisor.stream_dir / "state.json").read_text())
    assert (state["state"], state["restarts"]) == ("live", before + 1)
    assert state["first_segment_s"] < 15
    assert watch([live.relay.url + live.path("HK-01")]).ok


@pytest.mark.django_db
def test_the_api_urls_play_and_revocation_reaches_nginx(live, api_as, make_site):
    Stream.objects.create(name=STREAM)
    save_relay("hn", live.relay.url, [HANOI], 1000, True)
    make_site(HOAN_KIEM, code="API-01")
    central = api_as("central_organiser")
    urls = central.get("/api/v1/streaming/sites/API-01/playback").json()["urls"]
    assert [urlsplit(u).port for u in urls] == [live.relay.port, 8090]
    result = watch(urls)
    assert result.ok and result.served_by == urls[0]

    media_url = urljoin(urls[0], "144p/index.m3u8")
    segment_url = urljoin(media_url, playlist_uris(get(media_url).body.decode())[-1])
    assert get(segment_url).status == 200  # cached at the relay: only its own check can refuse

    assert central.post("/api/v1/streaming/sites/API-01/revoke").status_code == 200
    live.origin.reload(key_versions())
    relay = live.relay.params  # as an operator would: rewrite the relay's config and reload
    command = ["nginx-config", "--role", "relay", "--listen", relay.listen, "--reload"]
    command += ["--run-dir", str(relay.run_dir), "--origin", live.origin.url]
    old_workers = live.relay.workers()
    result = CliRunner().invoke(stream_group, [*command, "-o", str(relay.conf_path)])
    assert result.exit_code == 0, result.output
    live.relay.wait_for_new_workers(old_workers)
    assert '"API-01" 2;' in relay.conf_path.read_text()
    origin_url = urls[-1].replace(":8090", f":{live.origin.port}")
    for url in (origin_url, urls[0], segment_url):
        wait_for(lambda u=url: get(u).status == 403, 10, f"{url} to be refused")
    fresh = central.get("/api/v1/streaming/sites/API-01/playback").json()["urls"]
    assert watch(fresh[:1]).ok


def _headers(url: str) -> tuple[int, list[tuple[str, str]]]:
    import http.client

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=5)
    try:
        conn.request("GET", parts.path)
        reply = conn.getresponse()
        reply.read()
        return reply.status, reply.getheaders()
    finally:
        conn.close()


def test_the_console_player_on_another_origin_may_read_playlists_segments_and_refusals(live):
    """hls.js fetches across origins: one Access-Control-Allow-Origin, on a 403 too."""
    good = live.path("HK-01")
    expired = live.path("HK-01", ttl=-5)
    segment = _segment_path(live, "HK-01")
    for base in (live.relay.url, live.origin.url):
        for path, status in ((good, 200), (segment, 200), (expired, 403)):
            got, headers = _headers(base + path)
            allow = [v for k, v in headers if k.lower() == "access-control-allow-origin"]
            assert (got, allow) == (status, ["*"]), (base, path, headers)


@pytest.mark.django_db
def test_relay_health_with_real_nginx(live):
    from diemcau.streaming.health import check_relays
    from diemcau.streaming.models import Relay

    Stream.objects.create(name=STREAM, state="live")
    spare = harness.relay(live.base / "relay-health", live.origin.url, live.secret).start()
    save_relay("hn", live.relay.url, [HANOI], 1000, True)
    save_relay("spare", spare.url, [], 1000, True)
    save_relay("cut", f"http://127.0.0.1:{harness.free_port()}", [], 1000, True)
    try:
        checks = {c.code: c for c in check_relays(timeout=2)}
        assert (checks["hn"].up, checks["spare"].up, checks["cut"].up) == (True, True, False)
        spare.stop()
        checks = {c.code: c for c in check_relays(timeout=2)}
    finally:
        spare.stop()
    assert (checks["hn"].up, checks["spare"].up) == (True, False)
    assert "Connection refused" in Relay.objects.get(code="spare").health_error
