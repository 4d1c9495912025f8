"""Sites already silent when a session starts (offline before it, or never connected) are
escalated like any outage: counted from the session's start, once per session, not when heard
since, and within the rule's cooldown."""

import datetime as dt

import pytest

from diemcau.alerts import services
from diemcau.alerts.models import Escalation, StartOutage
from diemcau.alerts.services import RuleIn
from diemcau.alerts.tests.conftest import EVERYTHING, LOCAL, beat, make_session, silence
from diemcau.conftest import HOAN_KIEM
from diemcau.operations.models import Incident

pytestmark = pytest.mark.django_db

START_IN = 10 * 60  # the session starts ten minutes after the test's first moment


def _session():
    starts = (LOCAL + dt.timedelta(seconds=START_IN)).time().replace(microsecond=0)
    return make_session("planned", starts=starts.isoformat(), ends="23:59")


def _told(sent) -> list[str]:
    return [s.site.code for s in sent.sent]


def test_a_site_silent_at_the_start_is_escalated_once_counted_from_the_start(
    store, clock, make_site, sent
):
    session = _session()
    services.save_rule(EVERYTHING, None, RuleIn("TW", "technician", 3, 15))
    for code in ("NEVER-1", "OFF-1", "ON-1", "LATE-1", "SHUT-1"):
        make_site(HOAN_KIEM, code=code, tech_phone="0912345678")
    beat("OFF-1", "ON-1")
    silence(clock, 120, keep=("ON-1",))  # OFF-1 goes offline before the session: no incident
    assert not Incident.objects.exists()
    assert services.check_escalations().live is False  # nothing happens before the start

    silence(clock, START_IN - 120 + 5, keep=("ON-1",))  # the session has started
    first = services.check_escalations()
    assert first.live and first.as_dict()["opened_at_start"] == 4 and first.sent == 0
    assert set(StartOutage.objects.values_list("site__code", flat=True)) == {
        "NEVER-1", "OFF-1", "LATE-1", "SHUT-1",
    }  # fmt: skip
    assert all(o.incident.session_id == session.pk for o in StartOutage.objects.all())

    beat("LATE-1")  # its first heartbeat ever, a minute in
    silence(clock, 60, keep=("ON-1", "LATE-1"))
    services.check_escalations()
    assert Incident.objects.get(site__code="LATE-1").status == "resolved"
    # An operator closes SHUT-1's incident (the site will not join today): not reopened.
    Incident.objects.filter(site__code="SHUT-1").update(status="resolved")

    silence(clock, 125, keep=("ON-1", "LATE-1"))  # three minutes after the start
    due = services.check_escalations()
    assert due.sent == 2 and sorted(_told(sent)) == ["NEVER-1", "OFF-1"]
    # "offline 3 minutes", from the start of the session, not from OFF-1's last beat.
    assert all("3 phút" in s.text for s in sent.sent)
    for _ in range(3):
        silence(clock, 30, keep=("ON-1", "LATE-1"))
        again = services.check_escalations()
        assert again.sent == 0 and again.opened == 0
    assert Incident.objects.filter(site__code="SHUT-1").count() == 1
    assert Escalation.objects.filter(site__code__in=["LATE-1", "ON-1", "SHUT-1"]).count() == 0


def test_the_cooldown_holds_a_site_told_just_before_the_session(store, clock, make_site, sent):
    _session()
    services.save_rule(EVERYTHING, None, RuleIn("TW", "technician", 3, 15))
    site = make_site(HOAN_KIEM, code="OFF-2")
    make_site(HOAN_KIEM, code="NEVER-2")
    earlier = Incident.objects.create(
        site=site, province_id=site.province_id, cause="no_signal", origin="manual",
        opened_at=services.now_dt(), status="resolved",
    )  # fmt: skip
    Escalation.objects.create(
        incident=earlier, site=site, recipient="technician", channel="sms",
        at=services.now_dt(), offline_s=600, key="earlier", text="x",
    )  # fmt: skip
    silence(clock, START_IN + 5)
    assert services.check_escalations().opened == 2
    silence(clock, 185)  # three minutes in; OFF-2 was told 13 minutes ago
    held = services.check_escalations()
    assert held.sent == 1 and held.held == 1 and _told(sent) == ["NEVER-2"]
    silence(clock, 150)  # the fifteen minutes since OFF-2 was told have passed
    assert services.check_escalations().sent == 1
    assert _told(sent) == ["NEVER-2", "OFF-2"]
