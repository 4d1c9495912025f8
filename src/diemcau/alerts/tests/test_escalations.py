"""Escalation of silent sites: once per outage, not for a site that came back, levels, the
cooldown of a flapping site, and a province's own rules."""

import pytest

from diemcau.alerts import services
from diemcau.alerts.models import Escalation
from diemcau.alerts.services import RuleIn
from diemcau.alerts.tests.conftest import EVERYTHING, beat, make_session, silence
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.operations.models import Incident, IncidentNote

pytestmark = pytest.mark.django_db


def rules(tech_min=3, org_min=10, cooldown_min=15, unit="TW"):
    services.save_rule(EVERYTHING, None, RuleIn(unit, "technician", tech_min, cooldown_min))
    services.save_rule(EVERYTHING, None, RuleIn(unit, "province_organiser", org_min, cooldown_min))


def test_fires_once_per_outage_not_for_a_site_that_came_back_and_escalates_in_levels(
    store, clock, make_site, sent
):
    make_session("live")
    rules(tech_min=3, org_min=10)
    gone = make_site(HOAN_KIEM, code="GONE-1", tech_phone="0912345678")
    make_site(HOAN_KIEM, code="BACK-1")
    beat("GONE-1", "BACK-1")

    silence(clock, 120)  # two minutes: both offline, both have an open incident
    assert Incident.objects.filter(status="open").count() == 2
    assert services.check_escalations().sent == 0  # nobody past 3 minutes yet
    beat("BACK-1")  # back before the threshold, and stays
    silence(clock, 65, keep=("BACK-1",))  # GONE-1 silent for 3 min 5 s

    first = services.check_escalations()
    assert first.sent == 1 and [s.site.code for s in sent.sent] == ["GONE-1"]
    assert sent.sent[0].role == "technician" and sent.sent[0].channel == "sms"
    assert sent.sent[0].urgent  # queued before any bulk send (notifications: test_priority)
    assert "GONE-1" in sent.sent[0].text and "3 phút" in sent.sent[0].text
    for _ in range(3):  # later ticks of the same outage add nothing
        silence(clock, 5, keep=("BACK-1",))
        assert services.check_escalations().sent == 0
    assert len(sent.sent) == 1

    silence(clock, 7 * 60, keep=("BACK-1",))  # ten minutes: the province organiser in turn
    assert services.check_escalations().sent == 1
    assert [s.role for s in sent.sent] == ["technician", "province_organiser"]
    assert services.check_escalations().sent == 0

    incident = Incident.objects.get(site=gone)
    told = list(incident.escalations.order_by("at").values_list("recipient", "offline_s"))
    assert [r for r, _s in told] == ["technician", "province_organiser"]
    assert told[0][1] >= 180 and told[1][1] >= 600
    notes = list(IncidentNote.objects.filter(incident=incident).values_list("text", flat=True))
    assert len(notes) == 2 and "kỹ thuật" in notes[0]
    assert Escalation.objects.filter(site__code="BACK-1").count() == 0


def test_the_cooldown_holds_a_flapping_site_and_sends_when_it_ends(store, clock, make_site, sent):
    make_session("live")
    services.save_rule(EVERYTHING, None, RuleIn("TW", "technician", 1, 10))
    make_site(HOAN_KIEM, code="FLAP-1")
    beat("FLAP-1")
    silence(clock, 65)
    assert services.check_escalations().sent == 1  # first outage: told
    for _ in range(4):  # it flaps: back, silent again past the threshold, four times
        beat("FLAP-1")
        silence(clock, 65)
        result = services.check_escalations()
        assert result.sent == 0 and result.held == 1
    assert len(sent.sent) == 1
    assert Incident.objects.filter(site__code="FLAP-1").count() == 5
    silence(clock, 6 * 60)  # still silent when the ten minutes end: told once more
    assert services.check_escalations().sent == 1
    assert len(sent.sent) == 2


def test_nothing_is_sent_outside_a_live_session_or_when_a_rule_is_off(
    store, clock, make_site, sent
):
    session = make_session("live")
    rules(tech_min=1, org_min=2)
    make_site(HOAN_KIEM, code="OFF-1")
    beat("OFF-1")
    silence(clock, 70)
    for rule in services.visible_rules(EVERYTHING):
        services.switch_rule(EVERYTHING, None, rule.pk, enabled=False)
    assert services.check_escalations().sent == 0
    session.status = "ended"
    session.save()
    services.switch_rule(EVERYTHING, None, services.visible_rules(EVERYTHING)[0].pk, True)
    assert services.check_escalations().live is False
    assert sent.sent == []


def test_a_province_rule_replaces_the_national_one_for_its_sites(store, clock, make_site, sent):
    make_session("live")
    rules(tech_min=5, org_min=60)
    services.save_rule(EVERYTHING, None, RuleIn(HANOI, "technician", 1, 15))  # Hà Nội: faster
    services.save_rule(EVERYTHING, None, RuleIn(HUE, "technician", 1, 15, enabled=False))
    make_site(HOAN_KIEM, code="HN-1")
    make_site(first_commune(HUE).code, code="HUE-1")
    make_site(first_commune("79").code, code="HCM-1")
    beat("HN-1", "HUE-1", "HCM-1")
    silence(clock, 65)
    services.check_escalations()
    assert [s.site.code for s in sent.sent] == ["HN-1"]
    silence(clock, 4 * 60)
    services.check_escalations()
    assert sorted(s.site.code for s in sent.sent) == ["HCM-1", "HN-1"]  # Huế: switched off


def test_a_failing_hand_over_is_tried_again_next_tick(store, clock, make_site, monkeypatch):
    make_session("live")
    services.save_rule(EVERYTHING, None, RuleIn("TW", "technician", 1, 15))
    make_site(HOAN_KIEM, code="ERR-1")
    beat("ERR-1")
    silence(clock, 65)
    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise RuntimeError("gateway down")

    from diemcau.alerts import outbox

    monkeypatch.setattr(outbox, "_notifications_send_direct", lambda: broken)
    assert services.check_escalations().sent == 0
    assert Escalation.objects.count() == 0 and len(calls) == 1
    monkeypatch.setattr(outbox, "_notifications_send_direct", lambda: lambda **kw: None)
    assert services.check_escalations().sent == 1
    assert Escalation.objects.count() == 1


def test_a_heartbeat_still_waiting_for_the_flush_keeps_the_site_from_being_reported(
    store, clock, make_site, sent
):
    from diemcau.operations import services as live
    from diemcau.operations.services import HeartbeatIn

    make_session("live")
    services.save_rule(EVERYTHING, None, RuleIn("TW", "technician", 1, 15))
    make_site(HOAN_KIEM, code="LAG-1")
    beat("LAG-1")
    silence(clock, 65)
    live.record_heartbeats(EVERYTHING, [HeartbeatIn(site="LAG-1", session="S1", playing=True)])
    assert services.check_escalations().sent == 0  # heard again; the flush has not run yet
    live.flush()
    assert services.check_escalations().candidates == 0
    assert sent.sent == []
