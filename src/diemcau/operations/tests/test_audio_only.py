"""A site whose player fell back to sound only shows as degraded (issue 22, weak links).

The console's heartbeat carries `audio_only` on both ways in (Django and the fast path); the
flush keeps it in the history and the site's live row; the dashboard's trouble list and the
call list show the site as degraded with the reason in words, so a technician can call. A beat
queued in Redis by a server from before the field still loads.
"""

import json

import pytest

from diemcau.conftest import HOAN_KIEM
from diemcau.operations import fastpath, health, services
from diemcau.operations.livestate import Beat, RedisStore
from diemcau.operations.models import HeartbeatSample, SiteLive
from diemcau.operations.tests.conftest import T0
from diemcau.operations.tests.test_fastpath import Server

pytestmark = pytest.mark.django_db

GOOD = {"session": "S1", "playing": True, "buffer": 8.0, "bitrate": 64}
STATUS = "/api/v1/operations/status"
SOUND_ONLY = "chỉ có tiếng"


def _shown(client, code):
    """(state, reasons) on the dashboard's trouble list and (state, cause) on the call list."""
    worst = {w["code"]: w for w in client.get(STATUS).json()["worst"]}
    calls = client.get("/api/v1/operations/sites?state=trouble").json()["items"]
    listed = {i["code"]: i for i in calls}
    dash = (worst[code]["state"], worst[code]["reasons"]) if code in worst else None
    call = (listed[code]["state"], listed[code]["cause"]) if code in listed else None
    return dash, call


def test_a_site_on_sound_only_is_degraded_on_the_dashboard_and_call_list(
    store, clock, api_as, make_site
):
    make_site(HOAN_KIEM, code="AO-SOUND")
    make_site(HOAN_KIEM, code="AO-VIDEO")
    central = api_as("central_organiser")
    beats = [{"site": "AO-SOUND", **GOOD, "audio_only": True}, {"site": "AO-VIDEO", **GOOD}]
    response = central.post("/api/v1/heartbeats", beats, content_type="application/json")
    assert response.status_code == 200, response.content

    services.flush()

    sound = SiteLive.objects.get(site__code="AO-SOUND")
    assert (sound.audio_only, sound.state, sound.reasons) == (True, "degraded", "audio_only")
    video = SiteLive.objects.get(site__code="AO-VIDEO")
    assert (video.audio_only, video.state, video.reasons) == (False, "online", "")
    history = HeartbeatSample.objects.values_list("site__code", "audio_only")
    assert sorted(history) == [("AO-SOUND", True), ("AO-VIDEO", False)]

    assert _shown(central, "AO-SOUND") == (
        ("degraded", ["audio_only"]),
        ("degraded", SOUND_ONLY),
    )
    assert _shown(central, "AO-VIDEO") == (None, None)


def test_video_back_makes_the_site_online_again(store, clock, api_as, make_site):
    make_site(HOAN_KIEM, code="AO-BACK")
    central = api_as("central_organiser")
    beat = {"site": "AO-BACK", **GOOD, "audio_only": True}
    central.post("/api/v1/heartbeats", beat, content_type="application/json")
    services.flush()
    clock.advance(5)
    beat["audio_only"] = False
    central.post("/api/v1/heartbeats", beat, content_type="application/json")
    services.flush()

    live = SiteLive.objects.get(site__code="AO-BACK")
    assert (live.audio_only, live.state, live.reasons) == (False, "online", "")
    assert _shown(central, "AO-BACK") == (None, None)


def test_the_fast_path_carries_audio_only(store, clock, api_as, make_site):
    site = make_site(HOAN_KIEM, code="AO-FAST")
    fastpath.callers.clear()
    server = Server()
    central = api_as("central_organiser")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {central.token}"}
    assert server.post({"site": "AO-FAST", **GOOD}, headers=auth)[0] == 200
    calls = server.django_calls

    assert server.post({"site": "AO-FAST", **GOOD, "audio_only": True}, headers=auth)[0] == 200

    assert server.django_calls == calls  # the short way
    assert store.latest(site.pk).audio_only is True
    assert _shown(central, "AO-FAST")[0] == ("degraded", ["audio_only"])  # before any flush
    services.flush()
    assert SiteLive.objects.get(pk=site.pk).reasons == "audio_only"
    assert _shown(central, "AO-FAST") == (("degraded", ["audio_only"]), ("degraded", SOUND_ONLY))


@pytest.mark.parametrize("value", [1, "true", None])
def test_the_fast_path_leaves_a_non_boolean_audio_only_to_django(
    store, clock, api_as, make_site, value
):
    make_site(code="AO-ODD")
    fastpath.callers.clear()
    server = Server()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_as('central_organiser').token}"}
    assert server.post({"site": "AO-ODD", **GOOD}, headers=auth)[0] == 200
    calls = server.django_calls

    server.post({"site": "AO-ODD", **GOOD, "audio_only": value}, headers=auth)

    assert server.django_calls == calls + 1  # Django's schema decides, not the short way


def test_classify_counts_sound_only_as_degraded():
    verdict = health.classify(Beat(1, T0, "S1", True, 8.0, audio_only=True))
    assert (verdict.state, verdict.reasons) == ("degraded", ("audio_only",))
    assert health.classify(Beat(1, T0, "S1", True, 8.0)).state == "online"


def test_a_beat_from_before_the_field_still_loads_from_redis(store, clock, make_site):
    """An older server queued its beats without audio_only (11 values): the flush after an
    upgrade reads them as video, and a newer server's extra value does not break this one."""
    if not isinstance(store, RedisStore):
        pytest.skip("only the Redis store outlives a server (the memory store holds objects)")
    site = make_site(code="AO-OLD")
    old = json.dumps([site.pk, T0, "S1", True, 8.0, 600, 0, 900, 0, "1.0", 0])
    newer = json.dumps([site.pk, T0 + 1, "S1", True, 8.0, 600, 0, 900, 0, "1.1", 0, True, 7])
    store._redis.rpush(store._pending_key, old, newer)
    store._redis.hset(store._latest_key, site.pk, old)
    store._redis.zadd(store._seen_key, {site.pk: T0})

    assert store.latest(site.pk) == Beat(site.pk, T0, "S1", True, 8.0, 600, 0, 900, 0, "1.0", 0)
    assert services.flush(T0 + 2).samples == 2
    rows = HeartbeatSample.objects.order_by("received_at").values_list("version", "audio_only")
    assert list(rows) == [("1.0", False), ("1.1", True)]
    assert SiteLive.objects.get(pk=site.pk).reasons == "audio_only"
