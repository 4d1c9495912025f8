"""Who may set and read what: the centre sets national rules, a province organiser their own
province's only, and nobody reads another province's rules, reminders or escalations."""

import pytest

from diemcau.alerts import services
from diemcau.alerts.models import EscalationRule
from diemcau.alerts.services import RuleIn
from diemcau.alerts.tests.conftest import EVERYTHING, beat, make_session, silence
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune

pytestmark = pytest.mark.django_db

RULES = "/api/v1/alerts/rules"


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_rules_by_scope_through_the_api(api_as, make_site):
    central = api_as("central_organiser")
    hanoi = api_as("province_organiser", HANOI)
    assert (
        post(central, RULES, {"unit": "TW", "recipient": "technician", "after_min": 3}).status_code
        == 200
    )
    ok = post(hanoi, RULES, {"unit": HANOI, "recipient": "technician", "after_min": 2})
    assert ok.status_code == 200, ok.content
    assert ok.json()["after_min"] == 2 and ok.json()["unit"] == HANOI
    for unit in ("TW", HUE):  # the national rules and another province's are not theirs
        refused = post(hanoi, RULES, {"unit": unit, "recipient": "technician", "after_min": 1})
        assert refused.status_code == 403
    assert (
        post(
            central, RULES, {"unit": HUE, "recipient": "province_organiser", "after_min": 9}
        ).status_code
        == 200
    )
    bad = post(hanoi, RULES, {"unit": HANOI, "recipient": "technician", "after_min": 0})
    assert bad.status_code == 422 and bad.json()["fields"]["after_min"] == "Từ 1 đến 1440 phút."
    seen = {(r["unit"], r["recipient"]) for r in hanoi.get(RULES).json()}
    assert seen == {("TW", "technician"), (HANOI, "technician")}  # not Huế's
    assert len(central.get(RULES).json()) == 3
    operator = api_as("site_operator", make_site(HOAN_KIEM).code)
    assert operator.get(RULES).status_code == 403
    assert EscalationRule.objects.get(unit__code=HANOI).after_s == 120


def test_escalations_are_read_within_the_province(store, clock, make_site, api_as, web_as, sent):
    make_session("live")
    services.save_rule(EVERYTHING, None, RuleIn("TW", "technician", 1, 15))
    make_site(HOAN_KIEM, code="SC-HN")
    make_site(first_commune(HUE).code, code="SC-HUE")
    beat("SC-HN", "SC-HUE")
    silence(clock, 70)
    assert services.check_escalations().sent == 2
    listed = api_as("province_organiser", HANOI).get("/api/v1/alerts/escalations").json()
    assert [e["site"] for e in listed["items"]] == ["SC-HN"]
    assert listed["items"][0]["recipient"] == "technician"
    everyone = api_as("central_organiser").get("/api/v1/alerts/escalations").json()
    assert sorted(e["site"] for e in everyone["items"]) == ["SC-HN", "SC-HUE"]
    page = web_as("province_organiser", HANOI).get("/alerts/")
    html = page.content.decode()
    assert page.status_code == 200 and "SC-HN" in html and "SC-HUE" not in html
    assert "Quy tắc cảnh báo" in html
    assert web_as("site_operator", "SC-HN").get("/alerts/").status_code == 403


def test_the_pages_save_a_rule_and_a_reminder(web_as, clock):
    import datetime as dt

    from diemcau.alerts.models import Reminder
    from diemcau.operations.models import Rehearsal
    from diemcau.operations.tests.conftest import T0
    from diemcau.units.models import Unit

    client = web_as("province_organiser", HANOI)
    saved = client.post(
        "/alerts/rules/",
        {
            "unit": HANOI,
            "recipient": "technician",
            "after_min": "4",
            "cooldown_min": "10",
            "channel": "sms",
            "enabled": "on",
            "text": "",
        },
        follow=True,
    )
    assert "Đã lưu quy tắc." in saved.content.decode()
    rule = EscalationRule.objects.get(unit__code=HANOI)
    assert (rule.after_s, rule.cooldown_s, rule.enabled) == (240, 600, True)
    client.post(
        "/alerts/rules/",
        {
            "unit": HANOI,
            "recipient": "technician",
            "after_min": "4",
            "cooldown_min": "10",
            "channel": "sms",
        },
    )
    rule.refresh_from_db()
    assert rule.enabled is False  # unticked: switched off
    rehearsal = Rehearsal.objects.create(
        title="KT",
        unit=Unit.objects.get(code="TW"),
        starts_at=dt.datetime.fromtimestamp(T0 + 7200, tz=dt.UTC),
        ends_at=dt.datetime.fromtimestamp(T0 + 9000, tz=dt.UTC),
    )
    done = client.post(
        "/alerts/reminders/new/",
        {
            "target": f"rehearsal:{rehearsal.pk}",
            "when": "minutes",
            "before_min": "30",
            "unit": HANOI,
            "audience": "not_ready",
            "recipient": "technician",
            "channel": "sms",
            "text": "Nhắc {code}",
        },
        follow=True,
    )
    assert "Đã đặt nhắc lịch." in done.content.decode()
    reminder = Reminder.objects.get()
    assert (reminder.unit.code, reminder.audience, reminder.before_min) == (HANOI, "not_ready", 30)
    assert "KT" in client.get("/alerts/reminders/").content.decode()
