"""Relay health: a relay found down leaves the front of every site's list until it is back, and
the organisers see it (with the ingest's state) on the operations dashboard."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from django.utils import timezone

from diemcau.conftest import HANOI, HOAN_KIEM, HUE
from diemcau.streaming.cli import stream_group
from diemcau.streaming.health import check_relays, probe_relay
from diemcau.streaming.models import Relay, RelayHealth, Stream, StreamState
from diemcau.streaming.relays import save_relay
from diemcau.streaming.services import record_state, relay_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def relays(monkeypatch):
    monkeypatch.setenv("DIEMCAU_STREAM_ORIGIN_URL", "http://origin.test:8090")
    return {
        code: save_relay(code, f"http://relay-{code}.test:8080", provinces, 1000, True)
        for code, provinces in [("hn", [HANOI]), ("hue", [HUE]), ("hcm", ["79"]), ("dn", ["48"])]
    }


def fake_network(down: set[str], *, playlist_down: set[str] = frozenset()):  # type: ignore[assignment]
    """A prober: hosts in `down` refuse connections; those in `playlist_down` lost the origin."""
    asked: list[str] = []

    def get(url: str, timeout: float) -> tuple[int, str]:
        asked.append(url)
        host = urlsplit(url).hostname or ""
        if host in down:
            return 0, "Connection refused"
        if host in playlist_down and url.endswith(".m3u8"):
            return 502, ""
        return 200, ""

    get.asked = asked  # type: ignore[attr-defined]
    return get


def codes(relays: list[Relay]) -> list[str]:
    return [r.code for r in relays]


def test_a_down_province_relay_goes_last_and_comes_back_when_up(relays, make_site):
    site = make_site(HOAN_KIEM)
    before = codes(relay_order(site))
    assert before[0] == "hn" and len(before) == 3

    checks = check_relays(get=fake_network({"relay-hn.test"}))
    assert {c.code: c.up for c in checks} == {"hn": False, "hue": True, "hcm": True, "dn": True}
    hn = Relay.objects.get(code="hn")
    assert hn.health == RelayHealth.DOWN
    assert hn.health_error == "kiểm tra hoạt động: Connection refused"
    assert timezone.now() - hn.health_checked_at < timedelta(seconds=10)

    after = codes(relay_order(site))
    assert after == [*before[1:], "hn"]  # still tried before the origin: the check may be old

    check_relays(get=fake_network(set()))
    assert codes(relay_order(site)) == before
    assert Relay.objects.get(code="hn").health_error == ""


def test_a_down_other_relay_is_replaced_by_the_next_healthy_one(relays, make_site):
    site = make_site(HOAN_KIEM)
    first, second = codes(relay_order(site))[1:]
    check_relays(get=fake_network({f"relay-{first}.test"}))
    order = codes(relay_order(site))
    assert order[0] == "hn" and order[1] == second
    assert first not in order[:3] and len(order) == 3
    assert set(order) <= {"hn", "hue", "hcm", "dn"}


def test_the_playback_urls_follow_the_health(relays, make_site, api_as):
    Stream.objects.create(name="hoi-nghi")
    make_site(HOAN_KIEM, code="HK-01")
    check_relays(get=fake_network({"relay-hn.test"}))
    urls = api_as("site_operator", "HK-01").get("/api/v1/streaming/sites/HK-01/playback").json()
    hosts = [urlsplit(u).hostname for u in urls["urls"]]
    assert hosts[-2:] == ["relay-hn.test", "origin.test"]
    assert 6 * 3600 - 60 < urls["expires_in_s"] <= 6 * 3600


def test_a_relay_that_lost_the_origin_is_down_while_a_stream_is_live(relays):
    Stream.objects.create(name="hoi-nghi", state=StreamState.IDLE)
    prober = fake_network(set(), playlist_down={"relay-hue.test"})
    assert all(c.up for c in check_relays(get=prober))  # nothing live: only /health is asked
    assert all(u.endswith("/health") for u in prober.asked)

    Stream.objects.filter(name="hoi-nghi").update(state=StreamState.LIVE)
    checks = {c.code: c for c in check_relays(get=prober)}
    assert not checks["hue"].up and checks["hn"].up
    assert checks["hue"].error == "danh sách phát của luồng: HTTP 502"
    playlist = next(u for u in prober.asked if u.endswith("master.m3u8"))
    assert "/_health/hoi-nghi/master.m3u8" in playlist


def test_disabled_relays_are_not_probed(relays):
    save_relay("dn", "http://relay-dn.test:8080", ["48"], 1000, False)
    prober = fake_network(set())
    assert "dn" not in [c.code for c in check_relays(get=prober)]
    assert Relay.objects.get(code="dn").health == RelayHealth.UNKNOWN


def test_probe_names_a_timeout_and_a_refused_connection():
    assert probe_relay("http://127.0.0.1:9", None, timeout=1) != ""  # discard port: refused
    assert probe_relay("http://r.test", None, get=lambda u, t: (404, "")) == (
        "kiểm tra hoạt động: HTTP 404"
    )


def test_check_relays_command_exits_1_when_one_is_down(relays, monkeypatch):
    from diemcau.streaming import health

    monkeypatch.setattr(health, "http_status", fake_network({"relay-hcm.test"}))
    monkeypatch.setattr("diemcau.streaming.cli._setup", lambda: None)
    result = CliRunner().invoke(stream_group, ["check-relays"])
    assert result.exit_code == 1, result.output
    assert "hcm: NGỪNG — kiểm tra hoạt động: Connection refused" in result.output
    assert "hn: hoạt động" in result.output
    result = CliRunner().invoke(stream_group, ["check-relays", "--relay", "hn"])
    assert result.exit_code == 0, result.output


def test_state_since_moves_only_when_the_state_changes(db):
    Stream.objects.create(name="hoi-nghi")
    record_state("hoi-nghi", "live", 0, timezone.now())
    since = Stream.objects.get().state_since
    assert since is not None
    record_state("hoi-nghi", "live", 0, timezone.now())  # a new segment, same state
    assert Stream.objects.get().state_since == since
    record_state("hoi-nghi", "restarting", 1, None, "ffmpeg exited with 1")
    stream = Stream.objects.get()
    assert stream.state_since is not None and stream.state_since > since
    assert (stream.state, stream.restarts) == ("restarting", 1)


def test_the_dashboard_shows_streams_and_relays_to_organisers(relays, api_as, web_as):
    Stream.objects.create(name="hoi-nghi", title="Hội nghị")
    record_state("hoi-nghi", "restarting", 3, None, "ffmpeg exited with 1")
    check_relays(get=fake_network({"relay-hue.test"}))
    body = api_as("province_organiser", HANOI).get("/api/v1/streaming/network").json()
    [stream] = body["streams"]
    assert (stream["state"], stream["state_label"], stream["restarts"]) == (
        "restarting",
        "Đang khởi động lại",
        3,
    )
    assert stream["state_since"] is not None and "ingest_key" not in stream
    health = {r["code"]: (r["health"], r["health_label"]) for r in body["relays"]}
    assert health["hue"] == ("down", "Ngừng") and health["hn"] == ("up", "Hoạt động")
    assert "base_url" not in body["relays"][0]

    page = web_as("central_organiser").get("/operations/")
    assert page.status_code == 200
    assert b'id="stream-network"' in page.content
    assert "/api/v1/streaming/network" in page.content.decode()


def test_site_operators_do_not_see_the_network(make_site, api_as):
    make_site(HOAN_KIEM, code="HK-01")
    assert api_as("site_operator", "HK-01").get("/api/v1/streaming/network").status_code == 403
