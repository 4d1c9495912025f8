"""Heartbeats: accepted singly and in batches, kept in the live store, flushed in bulk."""

import datetime as dt

import pytest
from django.db import transaction

from diemcau.conftest import HOAN_KIEM, HUE, first_commune
from diemcau.operations import health, services
from diemcau.operations.livestate import Beat, MemoryStore
from diemcau.operations.models import HeartbeatSample, SiteLive, SiteStatusChange
from diemcau.operations.tests.conftest import T0

pytestmark = pytest.mark.django_db

URL = "/api/v1/heartbeats"
GOOD = {"session": "S1", "playing": True, "buffer": 8.0, "bitrate": 2500, "version": "1.0"}


def at(epoch):
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_single_heartbeat_is_kept_in_the_store_not_the_database(store, clock, api_as, make_site):
    site = make_site(code="HB-1")
    client = api_as("central_organiser")

    response = post(client, {"site": "HB-1", **GOOD, "latency": 900, "queued": 3})

    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 1}
    assert HeartbeatSample.objects.count() == 0
    assert SiteLive.objects.count() == 0
    latest = store.latest(site.pk)
    assert latest is not None
    assert (latest.received_at, latest.latency_ms, latest.queued) == (T0, 900, 3)


def test_batch_is_written_in_bulk_by_the_flush(store, clock, api_as, make_site):
    sites = [make_site(code=f"HB-B{i}") for i in range(3)]
    client = api_as("central_organiser")
    batch = [{"site": s.code, **GOOD} for s in sites]
    assert post(client, batch).json() == {"accepted": 3}
    clock.advance(5)
    assert post(client, batch).json() == {"accepted": 3}
    assert HeartbeatSample.objects.count() == 0

    result = services.flush()

    assert result.samples == 6
    assert HeartbeatSample.objects.count() == 6
    assert set(SiteLive.objects.values_list("state", flat=True)) == {"online"}
    assert all(live.last_seen == at(T0 + 5) for live in SiteLive.objects.all())
    assert services.flush().samples == 0  # drained: nothing written twice


def test_flush_logs_first_sight_and_is_idempotent(store, clock, api_as, make_site):
    site = make_site(code="HB-2")
    post(api_as("central_organiser"), {"site": "HB-2", **GOOD})
    services.flush()
    services.flush()
    changes = list(SiteStatusChange.objects.filter(site=site).values_list("from_state", "to_state"))
    assert changes == [("never", "online")]


def test_unknown_site_and_oversized_batch_are_refused(store, clock, api_as, make_site):
    client = api_as("central_organiser")
    response = post(client, {"site": "NO-SUCH-SITE", **GOOD})
    assert response.status_code == 422
    assert "NO-SUCH-SITE" in response.json()["detail"]
    make_site(code="HB-3")
    response = post(client, [{"site": "HB-3"}] * (services.MAX_BATCH + 1))
    assert response.status_code == 422
    assert post(client, {"site": "HB-3", "buffer": -1}).status_code == 422
    assert store.drain(100) == []


def test_operator_may_send_only_for_their_site(store, clock, make_site, api_as):
    make_site(code="OP-MINE")
    make_site(code="OP-OTHER")
    operator = api_as("site_operator", "OP-MINE")

    assert post(operator, {"site": "OP-MINE", **GOOD}).status_code == 200
    refused = post(operator, [{"site": "OP-MINE"}, {"site": "OP-OTHER"}])
    assert refused.status_code == 403
    assert "OP-OTHER" in refused.json()["detail"]
    assert len(store.drain(100)) == 1  # the refused batch kept nothing, not even OP-MINE


def test_province_organiser_sends_inside_their_province_only(store, clock, make_site, api_as):
    make_site(HOAN_KIEM, code="HN-1")
    make_site(first_commune(HUE).code, code="HUE-1")
    organiser = api_as("province_organiser", "01")
    assert post(organiser, {"site": "HN-1"}).status_code == 200
    assert post(organiser, {"site": "HUE-1"}).status_code == 403
    assert post(api_as("viewer"), {"site": "HN-1"}).status_code == 403
    assert post(type(organiser)(None), {"site": "HN-1"}).status_code == 401
    assert post(type(organiser)("dc_not-a-token"), {"site": "HN-1"}).status_code == 401


def test_offline_within_20_seconds_and_logged_when_it_happened(store, clock, api_as, make_site):
    site = make_site(code="HB-OFF")
    client = api_as("central_organiser")
    post(client, {"site": "HB-OFF", **GOOD})
    services.flush()

    clock.advance(health.OFFLINE_AFTER_S - 1)
    services.flush()
    assert SiteLive.objects.get(site=site).state == "online"
    clock.advance(2)  # silent for OFFLINE_AFTER_S + 1 < 20 s
    assert services.flush().changes == 1

    live = SiteLive.objects.get(site=site)
    assert live.state == "offline"
    assert live.since == at(T0 + health.OFFLINE_AFTER_S)
    assert health.OFFLINE_AFTER_S + services.FLUSH_INTERVAL_S <= 20
    change = SiteStatusChange.objects.filter(site=site).order_by("at").last()
    assert (change.from_state, change.to_state, change.at) == (
        "online",
        "offline",
        at(T0 + health.OFFLINE_AFTER_S),
    )
    clock.advance(30)
    assert services.flush().changes == 0  # offline is logged once

    post(client, {"site": "HB-OFF", **GOOD})
    services.flush()
    back = SiteStatusChange.objects.filter(site=site).order_by("at").last()
    assert (back.from_state, back.to_state, back.at) == ("offline", "online", at(clock.now))


def test_every_change_of_state_is_logged_with_its_time(store, clock, api_as, make_site):
    site = make_site(code="HB-DEG")
    client = api_as("central_organiser")
    sequence = [
        (GOOD, "online"),
        ({**GOOD, "buffer": 0.5}, "degraded"),
        ({**GOOD, "buffer": 0.2, "dropped_frames": 500}, "degraded"),
        (GOOD, "online"),
    ]
    for body, expected in sequence:
        post(client, {"site": "HB-DEG", **body})
        services.flush()
        assert SiteLive.objects.get(site=site).state == expected
        clock.advance(5)
    changes = list(
        SiteStatusChange.objects.filter(site=site)
        .order_by("at")
        .values_list("from_state", "to_state", "at", "reasons")
    )
    assert changes == [
        ("never", "online", at(T0), ""),
        ("online", "degraded", at(T0 + 5), "buffering"),
        ("degraded", "online", at(T0 + 15), ""),
    ]
    assert SiteLive.objects.get(site=site).since == at(T0 + 15)


@pytest.mark.parametrize(
    ("change", "state", "reasons"),
    [
        ({}, "online", ()),
        ({"buffer_s": health.MIN_BUFFER_S - 0.1}, "degraded", ("buffering",)),
        ({"buffer_s": health.MIN_BUFFER_S}, "online", ()),
        ({"playing": False}, "degraded", ("not_playing",)),
        ({"playing": False, "session": ""}, "online", ()),  # no session on: nothing to play
        ({"dropped_frames": health.MAX_DROPPED_FRAMES + 1}, "degraded", ("dropped_frames",)),
        ({"dropped_frames": health.MAX_DROPPED_FRAMES}, "online", ()),
        ({"latency_ms": health.MAX_LATENCY_MS + 1}, "degraded", ("latency",)),
        ({"queued": health.MAX_QUEUED + 1}, "degraded", ("queued",)),
    ],
)
def test_degraded_thresholds(change, state, reasons):
    values = {"session": "S1", "playing": True, "buffer_s": 8.0, **change}
    verdict = health.classify(Beat(site_id=1, received_at=T0, **values))
    assert (verdict.state, verdict.reasons) == (state, reasons)


def test_two_workers_merge_through_the_database(clock, make_site, settings):
    """Two processes' memory stores each flush their own beats; a late older beat loses."""
    settings.DIEMCAU_LIVE_FLUSHER = False
    site = make_site(code="HB-W")
    first, second = MemoryStore(), MemoryStore()
    second.record([Beat(site.pk, T0, "S1", True, 0.1)])  # degraded, older
    first.record([Beat(site.pk, T0 + 5, "S1", True, 8.0)])  # online, newer
    services.flush(now=T0 + 6, store=first)
    services.flush(now=T0 + 6, store=second)

    live = SiteLive.objects.get(site=site)
    assert (live.state, live.last_seen) == ("online", at(T0 + 5))
    assert HeartbeatSample.objects.filter(site=site).count() == 2
    assert list(SiteStatusChange.objects.values_list("to_state", flat=True)) == ["online"]


def test_a_site_whose_newer_beat_waits_in_the_store_is_not_swept_offline(clock, make_site):
    """The database's last_seen lags while the store already holds the site's newer beat."""
    site, quiet = make_site(code="HB-WAIT"), make_site(code="HB-QUIET")
    written, waiting = MemoryStore(), MemoryStore()
    written.record([Beat(site.pk, T0, "S1", True, 8.0), Beat(quiet.pk, T0, "S1", True, 8.0)])
    services.flush(now=T0, store=written)
    later = T0 + health.OFFLINE_AFTER_S + 5
    waiting.record([Beat(site.pk, later - 1, "S1", True, 8.0)])  # not written yet

    with transaction.atomic():
        assert services.sweep_offline(later, waiting) == 1
    states = dict(SiteLive.objects.values_list("site__code", "state"))
    assert states == {"HB-WAIT": "online", "HB-QUIET": "offline"}

    with transaction.atomic():
        assert services.sweep_offline(later, MemoryStore()) == 1  # no news of it: it went
