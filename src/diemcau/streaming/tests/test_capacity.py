"""Capacity view: egress per relay and at the origin, a warning where a relay cannot carry it."""

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.streaming.models import Stream
from diemcau.streaming.relays import save_relay

pytestmark = pytest.mark.django_db

LADDER = [
    {"name": "720p", "height": 720, "video_kbps": 2500, "audio_kbps": 128},
    {"name": "audio", "height": 0, "video_kbps": 0, "audio_kbps": 64},
]


def test_egress_per_relay_and_origin_with_overload_warning(api_as, make_site):
    Stream.objects.create(name="hoi-nghi", renditions=LADDER)
    save_relay("hn", "http://relay-hn.test:8080", [HANOI], 5, True)  # 5 Mbit/s: too small
    save_relay("hue", "http://relay-hue.test:8080", [HUE], 1000, True)
    for _ in range(3):
        make_site(HOAN_KIEM)
    make_site(first_commune(HUE).code)

    response = api_as("central_organiser").get("/api/v1/streaming/capacity")
    assert response.status_code == 200, response.content
    body = response.json()
    loads = {r["code"]: r for r in body["relays"]}
    assert body["rendition"] == "720p" and body["rendition_kbps"] == 2628
    assert (loads["hn"]["sites"], loads["hn"]["egress_mbps"]) == (3, 7.9)
    assert loads["hn"]["overloaded"] and not loads["hue"]["overloaded"]
    assert len(body["warnings"]) == 1 and "hn" in body["warnings"][0]
    # Each relay pulls the whole ladder once, whatever its audience.
    assert body["origin_egress_mbps"] == pytest.approx(2 * (2628 + 64) / 1000, abs=0.1)

    audio = api_as("central_organiser").get("/api/v1/streaming/capacity?rendition=audio").json()
    assert audio["warnings"] == [] and audio["relays"][0]["egress_mbps"] == 0.2
    bad = api_as("central_organiser").get("/api/v1/streaming/capacity?rendition=4k")
    assert bad.status_code == 422


def test_capacity_is_for_central_organisers(api_as):
    Stream.objects.create(name="hoi-nghi")
    assert api_as("province_organiser", HANOI).get("/api/v1/streaming/capacity").status_code == 403


def test_catch_up_viewers_load_the_relays_of_their_sites_but_barely_the_origin(api_as, make_site):
    Stream.objects.create(name="hoi-nghi", renditions=LADDER)
    save_relay("hn", "http://relay-hn.test:8080", [HANOI], 1000, True)
    save_relay("hue", "http://relay-hue.test:8080", [HUE], 1000, True)
    for _ in range(3):
        make_site(HOAN_KIEM)
    make_site(first_commune(HUE).code)
    central = api_as("central_organiser")
    live = central.get("/api/v1/streaming/capacity").json()
    url = "/api/v1/streaming/capacity?catchup_viewers=400&catchup_rendition=720p"
    body = central.get(url + "&recordings_in_play=3").json()
    loads = {r["code"]: r for r in body["relays"]}
    # 400 viewers spread like the sites (3 : 1), each at 2,628 kbit/s, on top of the live load.
    assert (loads["hn"]["catchup_viewers"], loads["hue"]["catchup_viewers"]) == (300, 100)
    assert loads["hn"]["catchup_mbps"] == pytest.approx(300 * 2.628, abs=0.1)
    assert loads["hn"]["egress_mbps"] == pytest.approx(3 * 2.628 + 300 * 2.628, abs=0.1)
    assert body["catchup_egress_mbps"] == pytest.approx(400 * 2.628, abs=0.1)
    # The origin: each relay pulls each of the 3 recordings once, not once per viewer.
    assert body["origin_catchup_mbps"] == pytest.approx(2 * 3 * 2.628, abs=0.1)
    assert body["origin_egress_mbps"] == pytest.approx(
        live["origin_egress_mbps"] + body["origin_catchup_mbps"], abs=0.11
    )
    assert live["catchup_viewers"] == 0 and live["origin_catchup_mbps"] == 0
