"""An escalation queued behind a send to many sites is delivered first: the worker takes the
highest priority, and the running bulk send gives way to it between two messages."""

import pytest
from django.core.management import call_command

from diemcau.accounts.scopes import scope_for
from diemcau.conftest import HOAN_KIEM
from diemcau.notifications import broadcast, sending, services
from diemcau.notifications.audiences import Audience
from diemcau.notifications.models import Delivery, DeliveryStatus

SITES = 30
ESCALATE_AFTER = 5  # the escalation is raised while the bulk send's 5th SMS goes out


@pytest.fixture
def queued(settings, monkeypatch, gateway):
    """Jobs go to the real queue (django-tasks-db), run by the real worker below."""
    settings.DIEMCAU_TASKS_INLINE = False
    settings.DIEMCAU_NOTIFY_RATES = {}
    monkeypatch.setattr(sending, "GIVE_WAY_EVERY_S", 0.0)
    return gateway


def _worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real `db_worker` in this process; it must not close the test's open transaction."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", batch=True, interval=0.05, startup_delay=False, verbosity=0)


@pytest.mark.parametrize("urgent", [True, False])
def test_an_escalation_raised_during_a_bulk_send_is_delivered_first(
    queued, make_site, make_user, monkeypatch, urgent
):
    for i in range(SITES):
        make_site(HOAN_KIEM, code=f"B{i:03d}", contact_phone=f"0912000{i:03d}")
    broken = make_site(HOAN_KIEM, code="GONE", tech_phone="0987000111")
    organiser = make_user("central_organiser")
    draft = broadcast.Draft.clean(
        channel="sms", role="contact", subject="", body="Nhắc lịch tổng duyệt {ma_diem_cau}",
        audience=Audience.clean("list", codes=[f"B{i:03d}" for i in range(SITES)]),
    )  # fmt: skip
    message, task = broadcast.send(scope_for(organiser), organiser, draft)
    assert task.status == "queued"

    real_turn = sending.wait_turn
    turns = {"n": 0}

    def escalate_mid_send(channel: str) -> None:
        turns["n"] += 1
        if turns["n"] == ESCALATE_AFTER:  # as the alerts tick would, from its own thread
            services.send_direct(
                site=broken, role="technician", channel="sms", text="GONE mất tín hiệu 3 phút",
                idempotency_key="alerts:outage:1:tech", reason="escalation", urgent=urgent,
            )  # fmt: skip
        real_turn(channel)

    monkeypatch.setattr(sending, "wait_turn", escalate_mid_send)
    _worker(monkeypatch)

    numbers = [r.fields["to"] for r in queued.requests]
    assert len(numbers) == SITES + 1 and len(set(numbers)) == SITES + 1  # each once
    position = numbers.index("84987000111")
    if urgent:
        # Right after the message the bulk send had in hand, not after the 25 left.
        assert position <= ESCALATE_AFTER, position
    else:  # the baseline: an ordinary direct message waits for the bulk send to finish
        assert position == SITES, position
    assert not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()
    assert broadcast.progress_counts(message)["percent"] == 100
