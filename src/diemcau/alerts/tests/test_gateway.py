"""The escalation through the notifications app's real send path to a fake SMS gateway on
loopback: the technician's and then the province organiser's phone get one SMS each per outage,
the site that came back gets none, and a second evaluator run sends nothing more."""

import json

import pytest

from diemcau.alerts import services
from diemcau.alerts.services import RuleIn
from diemcau.alerts.tests.conftest import EVERYTHING, beat, make_session, silence
from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.notifications.models import Delivery, OrganiserPhone
from diemcau.notifications.testing import FakeGateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(settings):
    with FakeGateway() as gw:
        settings.DIEMCAU_SMS_URL = gw.url
        settings.DIEMCAU_NOTIFY_BACKOFF_S = 0.01
        yield gw


def test_one_sms_per_outage_and_level_reaches_the_gateway(
    store, clock, make_site, make_user, gateway
):
    make_session("live")
    organiser = make_user("province_organiser", HANOI)
    OrganiserPhone.objects.create(user=organiser, phone="0987654321")
    services.save_rule(EVERYTHING, None, RuleIn("TW", "technician", 3, 15))
    services.save_rule(EVERYTHING, None, RuleIn("TW", "province_organiser", 6, 15))
    make_site(HOAN_KIEM, code="GW-1", tech_name="Anh Kỹ", tech_phone="0912 345 678")
    make_site(HOAN_KIEM, code="GW-2", tech_phone="0912000222")
    beat("GW-1", "GW-2")
    silence(clock, 100)
    beat("GW-2")  # back before three minutes, and stays
    silence(clock, 90, keep=("GW-2",))
    services.check_escalations()
    services.check_escalations()  # a second run: nothing more
    sent = [json.loads(r.body) for r in gateway.requests]
    assert [(m["to"], m["ref"]) for m in sent] == [("84912345678", sent[0]["ref"])] and sent[0][
        "ref"
    ].endswith(":technician")
    assert "GW-1" in sent[0]["text"] and "mat tin hieu 3 phut" in sent[0]["text"]  # no accents

    silence(clock, 3 * 60, keep=("GW-2",))
    services.check_escalations()
    services.check_escalations()
    sent = [json.loads(r.body) for r in gateway.requests]
    assert [m["to"] for m in sent] == ["84912345678", "84987654321"]
    assert "Anh Ky" in sent[1]["text"]  # the organiser's text names the technician
    deliveries = Delivery.objects.order_by("pk")
    assert [(d.role, d.status) for d in deliveries] == [
        ("technician", "sent"),
        ("province_organiser", "sent"),
    ]
    escalations = services.visible_escalations(EVERYTHING)
    assert sorted(e.delivery_id for e in escalations) == [d.pk for d in deliveries]
