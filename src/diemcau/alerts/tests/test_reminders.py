"""Scheduled reminders: sent once at their time, to the right sites, even when the job runs
twice or twice at the same moment."""

import datetime as dt
import threading

import pytest
from django.db import connection

from diemcau.alerts import reminders
from diemcau.alerts.models import Reminder
from diemcau.alerts.reminders import ReminderIn
from diemcau.alerts.tests.conftest import EVERYTHING
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.errors import Forbidden, Invalid
from diemcau.operations.models import Rehearsal, RehearsalSiteState
from diemcau.operations.tests.conftest import T0
from diemcau.units.models import Unit


def at(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def rehearsal(unit: str = "TW") -> Rehearsal:
    return Rehearsal.objects.create(
        title="Kiểm tra lần 1",
        unit=Unit.objects.get(code=unit),
        starts_at=at(T0 + 3600),
        ends_at=at(T0 + 3 * 3600),
    )


@pytest.mark.django_db
def test_a_reminder_goes_once_at_its_time_to_the_sites_not_ready(clock, make_site, sent):
    r = rehearsal()
    ready = make_site(HOAN_KIEM, code="RDY-1", contact_phone="0912000001")
    make_site(HOAN_KIEM, code="NRD-1", contact_phone="0912000002")
    make_site(first_commune(HUE).code, code="HUE-9")
    RehearsalSiteState.objects.create(
        rehearsal=r, site=ready, ready=True, at=at(T0), stream_ok=True, sound_ok=True
    )
    reminder = reminders.create_reminder(
        EVERYTHING,
        None,
        ReminderIn(HANOI, "rehearsal", r.pk, before_min=30, audience="not_ready"),
    )
    assert reminder.send_at == at(T0 + 1800)
    assert reminders.send_due().messages == 0  # not yet
    clock.advance(1800)
    first = reminders.send_due()
    assert (first.reminders, first.messages) == (1, 1)
    assert [s.site.code for s in sent.sent] == ["NRD-1"]
    assert sent.sent[0].role == "contact" and "Kiểm tra lần 1" in sent.sent[0].text
    assert "NRD-1" in sent.sent[0].text
    clock.advance(5)
    assert reminders.send_due().messages == 0  # the job runs again: nothing more
    reminder.refresh_from_db()
    assert reminder.sent_at == at(T0 + 1800) and reminder.sent_count == 1


@pytest.mark.django_db
def test_the_evening_before_and_a_reminder_whose_event_is_over(clock, make_site, sent):
    r = rehearsal()
    make_site(HOAN_KIEM, code="EVE-1")
    clock.advance(-2 * 86400)  # two days earlier
    evening = reminders.create_reminder(
        EVERYTHING, None, ReminderIn("TW", "rehearsal", r.pk, before_min=None)
    )
    local = evening.send_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert (local.hour, local.minute) == (20, 0)
    assert local.date() == r.starts_at.astimezone(local.tzinfo).date() - dt.timedelta(days=1)
    clock.advance(2 * 86400 + 4 * 3600)  # the worker was down until after the rehearsal
    assert reminders.send_due().messages == 0
    evening.refresh_from_db()
    assert evening.sent_at is not None and sent.sent == []


@pytest.mark.django_db
def test_reminder_scope_and_bad_input(clock, make_user):
    r = rehearsal()
    from diemcau.accounts.scopes import scope_for

    hanoi = scope_for(make_user("province_organiser", HANOI))
    operator = scope_for(make_user("viewer", HANOI))
    made = reminders.create_reminder(hanoi, None, ReminderIn(HANOI, "rehearsal", r.pk, 30))
    with pytest.raises(Forbidden):
        reminders.create_reminder(hanoi, None, ReminderIn(HUE, "rehearsal", r.pk, 30))
    with pytest.raises(Forbidden):
        reminders.create_reminder(operator, None, ReminderIn(HANOI, "rehearsal", r.pk, 30))
    with pytest.raises(Invalid) as bad:
        reminders.create_reminder(hanoi, None, ReminderIn(HANOI, "rehearsal", r.pk, 0))
    assert bad.value.fields["before_min"] == "Từ 1 đến 10080 phút."
    hue_made = reminders.create_reminder(EVERYTHING, None, ReminderIn(HUE, "rehearsal", r.pk, 30))
    seen = set(reminders.visible_reminders(hanoi).values_list("pk", flat=True))
    assert made.pk in seen and hue_made.pk not in seen


@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_the_same_moment_send_each_reminder_once(live_db, clock, make_site, sent):
    r = rehearsal()
    for i in range(40):
        make_site(HOAN_KIEM, code=f"CON-{i:02d}")
    for before in (30, 20):
        reminders.create_reminder(EVERYTHING, None, ReminderIn(HANOI, "rehearsal", r.pk, before))
    clock.advance(2400)
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def job() -> None:
        try:
            start.wait()
            results.append(reminders.send_due().messages)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(results) in ([0, 80], [40, 40])  # both reminders, each by one job
    keys = [s.key for s in sent.sent]
    assert len(keys) == len(set(keys)) == sent.calls == 80
    assert sum(Reminder.objects.values_list("sent_count", flat=True)) == 80


@pytest.mark.django_db
def test_a_job_that_died_half_way_is_taken_up_again_and_each_site_gets_one_message(
    clock, make_site, sent, monkeypatch
):
    from diemcau.alerts import outbox
    from diemcau.tasks.models import Task

    r = rehearsal()
    for i in range(450):
        make_site(HOAN_KIEM, code=f"RES-{i:03d}")
    reminder = reminders.create_reminder(EVERYTHING, None, ReminderIn(HANOI, "rehearsal", r.pk, 30))
    clock.advance(1800)
    real = outbox._notifications_send_direct

    def dies_after_250():
        if sent.calls >= 250:
            raise RuntimeError("worker killed")
        return real()

    monkeypatch.setattr(outbox, "_notifications_send_direct", dies_after_250)
    reminders.send_due()
    assert Task.objects.get(kind="alerts.reminder").status == "failed"
    # The first chunk of 200 committed; the second died after 50 (this stand-in keeps those 50,
    # the notifications app's rows would roll back with their chunk).
    assert len(sent.sent) == 250
    monkeypatch.setattr(outbox, "_notifications_send_direct", real)
    clock.advance(60)
    assert reminders.send_due().reminders == 0  # still claimed: its job may be running
    clock.advance(10 * 60)
    again = reminders.send_due()
    assert again.reminders == 1
    # The new job hands every site again; the idempotency keys keep one message each.
    assert sent.calls == 250 + 450
    assert len(sent.sent) == 450 and len({s.key for s in sent.sent}) == 450
    reminder.refresh_from_db()
    assert reminder.sent_count == 450 and reminder.sent_at is not None
