"""Opt-outs from the web (/notifications/opt-outs/): listed, added and removed within the
organiser's own sites' addresses; central sees every one."""

import pytest
from django.test import Client

from diemcau.audit.models import Entry
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.notifications import services
from diemcau.notifications.models import DeliveryStatus, OptOut

URL = "/notifications/opt-outs/"


@pytest.fixture
def hn_site(make_site):
    site = make_site(HOAN_KIEM, code="HN1", contact_phone="+84 912 345 678",
                     tech_email="Ky.Thuat@Example.vn")  # fmt: skip
    make_site(first_commune(HUE).code, code="HUE1", contact_phone="0987 000 111")
    OptOut.objects.create(channel="sms", address="0912345678", note="gọi điện xin dừng")
    OptOut.objects.create(channel="sms", address="0987000111")
    return site


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def test_a_province_organiser_sees_and_changes_only_their_sites_addresses(hn_site, make_user):
    client = _client(make_user("province_organiser", HANOI))
    page = client.get(URL)
    assert page.status_code == 200 and "Không nhận tin" in page.text
    assert "0912345678" in page.text and "HN1" in page.text and "gọi điện xin dừng" in page.text
    assert "0987000111" not in page.text  # Huế's technician is not theirs to see

    # Another province's number: refused by name, nothing changed, either way.
    for action in ("add", "remove"):
        refused = client.post(URL, {"action": action, "channel": "sms", "address": "0987000111"})
        assert refused.status_code == 400
        assert "0987000111” không phải địa chỉ của điểm cầu bạn phụ trách" in refused.text
    assert OptOut.objects.filter(address="0987000111").exists()

    # Their own technician's e-mail: added (stored as sent), with the note, audited.
    added = client.post(
        URL,
        {"action": "add", "channel": "email", "address": "Ky.Thuat@Example.vn", "note": "nghỉ"},
        follow=True,
    )
    assert "ky.thuat@example.vn sẽ không nhận tin qua kênh này nữa" in added.text
    assert OptOut.objects.get(channel="email").note == "nghỉ"
    assert Entry.objects.filter(subject="notifications", event="opt_out").exists()
    skipped = services.send_direct(
        site=hn_site, role="technician", channel="email", text="x", idempotency_key="o1",
        reason="test",
    )  # fmt: skip
    assert skipped.status == DeliveryStatus.SKIPPED

    # And removed again.
    removed = client.post(
        URL, {"action": "remove", "channel": "sms", "address": "0912345678"}, follow=True
    )
    assert "0912345678 được nhận tin trở lại" in removed.text
    assert not OptOut.objects.filter(address="0912345678").exists()


def test_central_sees_every_opt_out_and_a_viewer_none(hn_site, make_user):
    page = _client(make_user("central_organiser")).get(URL)
    assert "0912345678" in page.text and "0987000111" in page.text and "HUE1" in page.text
    assert _client(make_user("viewer", HANOI)).get(URL).status_code == 403
    refused = _client(make_user("site_operator", "HN1")).post(
        URL, {"action": "add", "channel": "sms", "address": "0912345678"}
    )
    assert refused.status_code == 403
