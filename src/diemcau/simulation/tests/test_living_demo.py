"""The living demo: a session live today with delegates, a quiz bank and questions; and the
simulated day moving the figures through the real HTTP server."""

import threading
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from diemcau.accounts.scopes import Scope
from diemcau.attendance.summary import summary
from diemcau.delegates.models import Delegate
from diemcau.operations import clock, health, livestate, rollup, services
from diemcau.operations.livestate import MemoryStore
from diemcau.programme.models import Conference
from diemcau.questions.models import Answer, Question
from diemcau.simulation import demo_day
from diemcau.simulation.living_demo import (
    OPERATOR_SITE_DELEGATES,
    live_session_id,
    load_living_demo,
    operator_site_ids,
)
from diemcau.sites.demo import load_demo_accounts, load_demo_sites

EVERYTHING = Scope(user_id=0, everything=True)


def seed_sectors() -> None:
    """The sectors the questions' migration seeds: an earlier live-server test's flush took
    them (seeding is idempotent)."""
    import_module("diemcau.questions.migrations.0002_seed_sectors").seed(apps, None)


@pytest.fixture
def demo_world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DIEMCAU_DEMO = True
    seed_sectors()
    load_demo_sites(300, 2025)
    load_demo_accounts()


@pytest.mark.django_db
def test_demo_loader_makes_a_session_live_today_with_delegates_quiz_and_questions(demo_world):
    report = load_living_demo(delegates=2_000)
    conference = Conference.objects.get()
    session_id = live_session_id()
    assert session_id is not None
    live = [
        s for d in conference.days.all() for s in d.sessions.all() if s.current_status == "live"
    ]
    assert [s.pk for s in live] == [session_id]
    assert live[0].day.date == conference.starts_on == timezone.localdate()
    assert Delegate.objects.count() == 2_000
    for site_id in operator_site_ids():  # the demo operator sees a full room
        assert Delegate.objects.filter(site_id=site_id).count() == OPERATOR_SITE_DELEGATES
    assert summary(EVERYTHING, None, session_id)["registered"] == 2_000
    assert any("Ngân hàng câu hỏi kiểm tra: 6 câu" in line for line in report.lines)
    assert Question.objects.filter(session_id=session_id).count() == 8
    assert Answer.objects.filter(published_at__isnull=False).count() == 1
    readiness = next(line for line in report.lines if line.startswith("Kiểm tra kỹ thuật"))
    assert "điểm cầu đã kiểm tra" in readiness and "chưa sẵn sàng" in readiness
    again = load_living_demo(delegates=2_000)  # a second start adds nothing
    assert Delegate.objects.count() == 2_000 and "đã có" in " ".join(again.lines)
    assert report.timings["delegates_s"] < 60


@pytest.mark.django_db
def test_demo_day_refuses_outside_demo_mode(demo_world, settings):
    load_living_demo(delegates=100)
    settings.DIEMCAU_DEMO = False
    assert not demo_day.enabled()
    with pytest.raises(demo_day.NotADemo):
        demo_day.prepare_day()


@pytest.fixture
def flushed_by_hand(settings):
    settings.DIEMCAU_LIVE_FLUSHER = False
    services.site_cache.clear()
    livestate.set_store(MemoryStore())
    yield
    livestate.set_store(None)
    services.site_cache.clear()


def test_demo_day_moves_the_figures_within_seconds(
    live_db, live_server, flushed_by_hand, settings, monkeypatch
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DIEMCAU_DEMO = True
    seed_sectors()
    load_demo_sites(300, 2025)
    load_demo_accounts()
    load_living_demo(delegates=1_500)
    # The outage starts after the first beats and lasts past the offline delay (shortened).
    monkeypatch.setattr(health, "OFFLINE_AFTER_S", 3.0)
    monkeypatch.setattr(demo_day, "OUTAGE_AT_S", 0.5)
    plan = demo_day.prepare_day(n_sites=60)
    before = rollup.status(EVERYTHING, None, clock.now())["counts"]
    assert before["online"] == 0
    lines: list[str] = []
    tally = demo_day.play_day(
        live_server.url, plan, threading.Event(), lines.append, seconds=6.0, tick_s=1.0
    )
    services.flush()
    after = rollup.status(EVERYTHING, None, clock.now())["counts"]
    assert tally.ticks >= 2 and tally.scans > 0 and tally.questions >= 1
    assert after["online"] + after["degraded"] > 0
    assert after["offline"] >= len(plan.outage)  # silent long enough: offline
    assert any("mất tín hiệu" in line for line in lines)
    attendance = summary(EVERYTHING, None, plan.session_id)
    assert attendance["checked_in"] == tally.scans
    asked = Question.objects.filter(session_id=plan.session_id).exclude(
        client_id__startswith="demo-"
    )
    assert asked.count() == tally.questions
