"""A flusher behind on its queue does not make beating sites look silent: the dashboard, the
trouble list, `/metrics`, the call list and the map read the live store for the sites the
database calls silent, and agree with each other (issue 19: at 35,000 sites the flushers fell
minutes behind and the dashboard counted every site offline)."""

import datetime as dt

import pytest

from diemcau.accounts.scopes import scope_for
from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.metrics.collect import site_counts
from diemcau.operations import cartogram, health, liveness, services
from diemcau.operations.livestate import Beat, MemoryStore
from diemcau.operations.models import SiteLive
from diemcau.sites.models import Site

pytestmark = pytest.mark.django_db

STATUS = "/api/v1/operations/status"
GOOD = {"session": "S1", "playing": True, "buffer": 8.0}


@pytest.fixture
def lagging(store, clock, make_site, api_as):
    """Five Hoàn Kiếm sites; the flusher wrote the first beats, then stopped keeping up.

    LAG-ON beats on (unflushed), LAG-NEW's only beats were never flushed (no database row),
    LAG-DEG's unflushed beat is degraded, LAG-GONE really went silent, LAG-NEVER never beat.
    """
    for code in ("LAG-ON", "LAG-NEW", "LAG-DEG", "LAG-GONE", "LAG-NEVER"):
        make_site(HOAN_KIEM, code=code)
    central = api_as("central_organiser")
    first = [{"site": c, **GOOD} for c in ("LAG-ON", "LAG-DEG", "LAG-GONE")]
    central.post("/api/v1/heartbeats", first, content_type="application/json")
    services.flush()
    clock.advance(health.OFFLINE_AFTER_S + 60)  # a minute behind: the database's beats are old
    later = [
        {"site": "LAG-ON", **GOOD},
        {"site": "LAG-NEW", **GOOD},
        {"site": "LAG-DEG", **GOOD, "buffer": 0.3},
    ]
    assert (
        central.post("/api/v1/heartbeats", later, content_type="application/json").status_code < 300
    )
    return central


EXPECTED = {"online": 2, "degraded": 1, "offline": 1, "never": 1}


def test_beating_sites_count_by_their_newest_beat_while_the_flusher_lags(lagging):
    data = lagging.get(f"{STATUS}?unit={HOAN_KIEM}").json()
    assert {k: data["counts"][k] for k in EXPECTED} == EXPECTED
    assert [(w["code"], w["state"]) for w in data["worst"]] == [
        ("LAG-GONE", "offline"),
        ("LAG-DEG", "degraded"),
    ]
    degraded = data["worst"][1]
    assert degraded["reasons"] == ["buffering"]
    seen = dt.datetime.fromisoformat(degraded["last_seen"].replace("Z", "+00:00"))
    assert seen.timestamp() == pytest.approx(services.clock.now(), abs=1)  # the store's beat


def test_metrics_call_list_and_map_agree_with_the_dashboard(lagging, make_user, clock):
    dashboard = lagging.get(STATUS).json()["counts"]
    assert {s: site_counts(clock.now)[s] for s in EXPECTED} == {s: dashboard[s] for s in EXPECTED}
    calls = lagging.get("/api/v1/operations/sites?state=all").json()
    assert {s: calls["counts"][s] for s in EXPECTED} == {s: dashboard[s] for s in EXPECTED}
    trouble = lagging.get("/api/v1/operations/sites").json()["items"]
    assert {i["code"] for i in trouble if i["code"].startswith("LAG-")} == {
        "LAG-DEG",
        "LAG-GONE",
        "LAG-NEVER",
    }
    scope = scope_for(make_user("central_organiser"))
    hanoi = next(t for t in cartogram.tiles(scope, clock.now) if t.code == HANOI)
    assert hanoi.counts is not None
    assert {s: hanoi.counts[s] for s in EXPECTED} == {s: dashboard[s] for s in EXPECTED}


def test_once_the_flusher_catches_up_the_database_says_the_same(lagging):
    before = lagging.get(f"{STATUS}?unit={HOAN_KIEM}").json()["counts"]
    services.flush()
    assert SiteLive.objects.filter(site__code="LAG-NEW").exists()
    after = lagging.get(f"{STATUS}?unit={HOAN_KIEM}").json()["counts"]
    assert after == before


def test_a_site_the_store_last_saw_before_the_cutoff_stays_offline(lagging, clock):
    """The store corrects only with a beat newer than the offline cutoff: silence still shows
    (LAG-NEW, whose beats the flusher never wrote, stays "never" until it does: silent both)."""
    clock.advance(health.OFFLINE_AFTER_S + 1)  # nobody beat since
    counts = lagging.get(f"{STATUS}?unit={HOAN_KIEM}").json()["counts"]
    assert counts["online"] == counts["degraded"] == 0
    assert (counts["offline"], counts["never"]) == (3, 2)


def test_tens_of_thousands_of_ids_go_as_one_parameter(db, make_site, clock):
    """The correction's id list never meets a backend's parameter limit (35,000 sites)."""
    site = make_site(HOAN_KIEM, code="LAG-BIG")
    store = MemoryStore()
    store.record([Beat(site.pk, clock.now, "S1", True, 8.0)])
    live = liveness.read(Site.objects.filter(pk=site.pk), clock.now, store)
    assert live.online == (site.pk,)
    many = liveness.Liveness(live.cutoff, live.beats, tuple(range(10**9, 10**9 + 40_000)))
    from diemcau.operations.rollup import state_expr

    wide = liveness.Liveness(live.cutoff, live.beats, (*many.online, site.pk))
    states = Site.objects.filter(pk=site.pk).annotate(st=state_expr(live.cutoff, wide))
    assert list(states.values_list("st", flat=True)) == ["online"]


def test_metrics_show_the_flushers_backlog_and_lag(store, clock, make_site, settings):
    """/metrics says how many beats wait for the flusher and how long the oldest has waited."""
    from django.test import Client

    from diemcau.metrics.tests.test_metrics import TOKEN, value

    settings.DIEMCAU_METRICS_TOKEN = TOKEN
    sites = [make_site(HOAN_KIEM, code=f"LAG-M{n}") for n in range(3)]

    def scrape() -> str:
        return Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()

    store.record([Beat(s.pk, clock.now, "S1", True, 8.0) for s in sites])
    clock.advance(42)
    store.record([Beat(sites[0].pk, clock.now, "S1", True, 8.0)])
    text = scrape()
    assert value(text, "diemcau_live_backlog_beats") == 4
    assert value(text, "diemcau_live_flush_lag_seconds") == pytest.approx(42, abs=0.5)
    services.flush()
    text = scrape()
    assert value(text, "diemcau_live_backlog_beats") == 0
    assert value(text, "diemcau_live_flush_lag_seconds") == 0


def test_one_flusher_at_a_time_drains_the_shared_store(store, clock, make_site):
    """PostgreSQL + Redis: while another flusher holds the turn this one leaves the beats in
    the store (no row-lock contention between servers), and takes them on its next turn."""
    from django.db import connection

    from diemcau.operations.livestate import RedisStore

    if connection.vendor != "postgresql" or not isinstance(store, RedisStore):
        pytest.skip("the turn is taken on PostgreSQL with the shared Redis store only")
    import psycopg

    site = make_site(HOAN_KIEM, code="LAG-TURN")
    store.record([Beat(site.pk, clock.now, "S1", True, 8.0)])
    params = connection.get_connection_params()
    keys = ("host", "port", "user", "password", "dbname")
    with psycopg.connect(**{k: params[k] for k in keys if params.get(k)}) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [services.FLUSH_LOCK_KEY])
        assert services.flush() == services.FlushResult(samples=0, changes=0)
        assert store.backlog()[0] == 1
        other.execute("SELECT pg_advisory_unlock(%s)", [services.FLUSH_LOCK_KEY])
    assert services.flush().samples == 1
    assert SiteLive.objects.get(site=site).state == "online"


def test_a_flush_takes_whole_and_fractional_numbers_side_by_side(store, clock, make_site):
    """`"buffer": 8` from one console and `8.5` from another in one flush (PostgreSQL writes
    each column as one typed array: a mixed list was refused and the flush retried forever)."""
    whole, fractional = (make_site(HOAN_KIEM, code=c) for c in ("LAG-INT", "LAG-FLOAT"))
    store.record(
        [
            Beat(whole.pk, clock.now, "S1", True, 8),  # as the fast path parses `"buffer": 8`
            Beat(fractional.pk, clock.now, "S1", True, 8.5),
        ]
    )
    assert services.flush().samples == 2
    assert sorted(SiteLive.objects.values_list("buffer_s", flat=True)) == [8.0, 8.5]
