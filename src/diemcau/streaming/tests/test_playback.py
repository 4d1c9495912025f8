"""Playback URLs per site: relay order, signatures nginx will accept, scope, revocation."""

import time
from urllib.parse import urlsplit

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.streaming import conf, signing
from diemcau.streaming.models import Stream
from diemcau.streaming.relays import RelayError, save_relay
from diemcau.streaming.services import key_versions, relay_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(monkeypatch):
    monkeypatch.setenv("DIEMCAU_STREAM_ORIGIN_URL", "http://origin.test:8090")
    Stream.objects.create(name="hoi-nghi", title="Hội nghị")
    return {
        "hn": save_relay("hn", "http://relay-hn.test:8080", [HANOI], 2000, True),
        "hue": save_relay("hue", "http://relay-hue.test:8080", [HUE], 1000, True),
        "hcm": save_relay("hcm", "http://relay-hcm.test:8080", ["79"], 1000, True),
    }


def _hosts(urls):
    return [urlsplit(u).hostname for u in urls]


def test_site_plays_from_its_province_relay_then_another_then_the_origin(
    api_as, make_site, network
):
    site = make_site(HOAN_KIEM, code="HK-01")
    response = api_as("central_organiser").get("/api/v1/streaming/sites/HK-01/playback")
    assert response.status_code == 200, response.content
    hosts = _hosts(response.json()["urls"])
    assert hosts[0] == "relay-hn.test"
    assert hosts[-1] == "origin.test"
    assert set(hosts[1:-1]) <= {"relay-hue.test", "relay-hcm.test"} and len(hosts) == 4
    assert relay_order(site)[0].code == "hn"

    hue_site = make_site(first_commune(HUE).code, code="HUE-01")
    assert relay_order(hue_site)[0].code == "hue"


def test_a_disabled_relay_leaves_every_list(make_site, network):
    site = make_site(HOAN_KIEM)
    save_relay("hn", "http://relay-hn.test:8080", [HANOI], 2000, False)
    assert "hn" not in [r.code for r in relay_order(site)]


def test_one_token_signs_the_stream_prefix_and_expires(api_as, make_site, network):
    make_site(HOAN_KIEM, code="HK-01")
    body = api_as("central_organiser").get("/api/v1/streaming/sites/HK-01/playback").json()
    path = urlsplit(body["urls"][0]).path
    assert {urlsplit(u).path for u in body["urls"]} == {path}
    _, live, st, expires, site, stream, file = path.split("/")
    assert (live, site, stream, file) == ("live", "HK-01", "hoi-nghi", "master.m3u8")
    assert st == signing.token(conf.signing_secret(), int(expires), "HK-01", "hoi-nghi", 1)
    assert int(expires) > time.time() + 3600
    assert body["expires_at"].startswith(time.strftime("%Y", time.gmtime(int(expires))))


def test_playback_follows_read_scope(api_as, make_site, network):
    make_site(HOAN_KIEM, code="HK-01")
    assert (
        api_as("province_organiser", HUE).get("/api/v1/streaming/sites/HK-01/playback").status_code
        == 404
    )
    assert (
        api_as("province_organiser", HANOI)
        .get("/api/v1/streaming/sites/HK-01/playback")
        .status_code
        == 200
    )
    assert (
        api_as("site_operator", "HK-01").get("/api/v1/streaming/sites/HK-01/playback").status_code
        == 200
    )
    assert (
        api_as("central_organiser").get("/api/v1/streaming/sites/NOPE/playback").status_code == 404
    )


def test_no_stream_is_a_clear_404(api_as, make_site):
    make_site(HOAN_KIEM, code="HK-01")
    response = api_as("central_organiser").get("/api/v1/streaming/sites/HK-01/playback")
    assert response.status_code == 404
    assert response.json()["detail"] == "Chưa có luồng trực tiếp nào."


def test_revoking_a_site_changes_its_signature_and_the_nginx_map(api_as, make_site, network):
    make_site(HOAN_KIEM, code="HK-01")
    central = api_as("central_organiser")
    before = central.get("/api/v1/streaming/sites/HK-01/playback").json()["urls"][0]

    assert (
        api_as("province_organiser", HUE).post("/api/v1/streaming/sites/HK-01/revoke").status_code
        == 403
    )
    response = central.post("/api/v1/streaming/sites/HK-01/revoke")
    assert response.status_code == 200
    assert response.json() == {"site": "HK-01", "key_version": 2}
    assert central.post("/api/v1/streaming/sites/HK-01/revoke").json()["key_version"] == 3
    assert key_versions() == {"HK-01": 3}

    after = central.get("/api/v1/streaming/sites/HK-01/playback").json()["urls"][0]
    _, _, st, expires, *_ = urlsplit(after).path.split("/")
    assert st == signing.token(conf.signing_secret(), int(expires), "HK-01", "hoi-nghi", 3)
    assert urlsplit(before).path.split("/")[2] != st


def test_streams_with_their_state_are_for_central_organisers(api_as, network):
    Stream.objects.filter(name="hoi-nghi").update(state="live", restarts=2)
    response = api_as("central_organiser").get("/api/v1/streaming/streams")
    assert response.status_code == 200
    [stream] = response.json()
    assert (stream["name"], stream["state"], stream["restarts"]) == ("hoi-nghi", "live", 2)
    assert "ingest_key" not in stream
    assert api_as("province_organiser", HANOI).get("/api/v1/streaming/streams").status_code == 403


def test_relay_needs_real_provinces_and_a_url(db):
    with pytest.raises(RelayError):
        save_relay("x", "http://relay.test:8080", [HOAN_KIEM], 100, True)
    with pytest.raises(RelayError):
        save_relay("x", "not a url", [HANOI], 100, True)
