"""A small conference day through the real HTTP server: every figure reconciles."""

import pytest

from diemcau.agent.http import JsonClient
from diemcau.operations import health, livestate, services
from diemcau.operations.livestate import MemoryStore
from diemcau.simulation import plan as plan_module
from diemcau.simulation.driver import Driver, keep_beating, play
from diemcau.simulation.plan import make_plan
from diemcau.simulation.prepare import prepare
from diemcau.simulation.reconcile import reconcile


@pytest.fixture
def fast_day(settings, monkeypatch):
    """Seconds instead of minutes: offline after 2 s, flushed by hand before reading."""
    settings.DIEMCAU_LIVE_FLUSHER = False
    monkeypatch.setattr(health, "OFFLINE_AFTER_S", 2.0)
    monkeypatch.setattr(plan_module, "SILENT_SHARE", 0.1)  # enough of each kind in 40 sites
    monkeypatch.setattr(plan_module, "DROP_AT_END_SHARE", 0.1)
    monkeypatch.setattr(plan_module, "RESEND_SHARE", 0.2)
    monkeypatch.setattr(plan_module, "OFFLINE_EARLIER_SHARE", 0.2)
    services.site_cache.clear()
    livestate.set_store(MemoryStore())
    yield
    livestate.set_store(None)
    services.site_cache.clear()


def test_small_day_reconciles_and_a_lost_scan_would_show(live_db, live_server, fast_day):
    stage = prepare(40, 2_000, seed=7)
    assert stage.registered == 2_000 and len(stage.sites) == 40
    plan = make_plan(stage, seed=7)
    assert plan.silent and plan.drop_at_end and plan.late_scans and plan.headcounts
    driver = Driver(live_server.url, stage.token, stage.session_id, workers=3)
    try:
        play(driver, plan, minutes=0.05, beat_every=1.0, say=lambda _t: None)
        keep_beating(driver, plan, 2.5, 1.0, lambda _t: None)
        services.flush()
        client = JsonClient(live_server.url, stage.token)
        lines = reconcile(client, stage, plan, driver.tally)
        assert [line for line in lines if not line.ok] == []
        # The reconciliation is not a tautology: one scan less in the truth is a mismatch.
        plan.expect_checked_in -= 1
        lines = reconcile(client, stage, plan, driver.tally)
        assert {line.name for line in lines if not line.ok} >= {"đại biểu điểm danh (checked_in)"}
        client.close()
    finally:
        driver.close()
