"""Sending failed deliveries again: from the message's page, the API and `diemcau notify resend`;
"unknown" ones only when asked, each attempt at most once, within the sender's scope."""

import json

import pytest
from click.testing import CliRunner
from django.test import Client

from diemcau.accounts.scopes import scope_for
from diemcau.audit.models import Entry
from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM, HUE
from diemcau.errors import Invalid
from diemcau.notifications import broadcast
from diemcau.notifications.audiences import Audience
from diemcau.notifications.models import Delivery, DeliveryStatus, Message


@pytest.fixture
def failed_send(make_site, make_user, gateway):
    """An SMS to three Hà Nội sites: the first refused by the gateway (400), the third left
    "unknown" (as a worker killed while the gateway had it would leave it)."""
    for i in range(3):
        make_site(HOAN_KIEM, code=f"R{i}", contact_phone=f"091200011{i}")
    organiser = make_user("province_organiser", HANOI)
    gateway.fail_next(1, status=400)
    draft = broadcast.Draft.clean(
        channel="sms", role="contact", subject="", body="Nhắc {ma_diem_cau}",
        audience=Audience.clean("all"),
    )  # fmt: skip
    message, _task = broadcast.send(scope_for(organiser), organiser, draft)
    Delivery.objects.filter(site__code="R2").update(status=DeliveryStatus.UNKNOWN)
    assert _statuses(message) == {"R0": "failed", "R1": "sent", "R2": "unknown"}
    return message, organiser


def _statuses(message: Message) -> dict[str, str]:
    return dict(message.deliveries.values_list("site__code", "status"))


def _to(gateway) -> list[str]:
    return [r.fields["to"] for r in gateway.requests]


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def test_the_page_resends_failed_ones_and_unknown_ones_only_when_asked(
    failed_send, gateway, make_user
):
    message, organiser = failed_send
    client = _client(organiser)
    page = client.get(f"/notifications/{message.pk}/")
    assert "Gửi lại 1 tin lỗi" in page.text
    assert "có thể đã tới người nhận" in page.text  # the warning beside "unknown"
    before = len(gateway.requests)

    # Another province's organiser does not see the message, and resends nothing.
    other = _client(make_user("province_organiser", HUE))
    assert other.post(f"/notifications/{message.pk}/resend/").status_code == 404

    done = client.post(f"/notifications/{message.pk}/resend/", follow=True)
    assert "Đã xếp hàng gửi lại 1 tin" in done.text
    assert _statuses(message) == {"R0": "sent", "R1": "sent", "R2": "unknown"}
    assert _to(gateway)[before:] == ["84912000110"]  # the failed one, once; not the unknown
    resent = Delivery.objects.get(site__code="R0")
    assert resent.attempts == 1  # counted afresh
    assert gateway.requests[-1].fields["ref"] == resent.key  # the same reference

    # Nothing failed any more: said so, nothing sent.
    again = client.post(f"/notifications/{message.pk}/resend/", follow=True)
    assert "Không có tin lỗi nào để gửi lại" in again.text
    assert len(gateway.requests) == before + 1

    # The unknown one, when the organiser ticks it.
    client.post(f"/notifications/{message.pk}/resend/", {"unknown": "1"})
    assert _statuses(message) == {"R0": "sent", "R1": "sent", "R2": "sent"}
    assert _to(gateway)[before:] == ["84912000110", "84912000112"]
    audited = Entry.objects.filter(subject="notifications", detail__startswith="resend")
    assert [e.counts for e in audited.order_by("pk")] == [{"resent": 1}, {"resent": 1}]


def test_two_resends_at_once_queue_each_delivery_once(failed_send):
    message, organiser = failed_send
    scope = scope_for(organiser)
    _msg, first = broadcast.requeue(scope, organiser, message.pk)
    with pytest.raises(Invalid):  # the rows are queued now, not failed: nothing to take
        broadcast.requeue(scope, organiser, message.pk)
    assert first == 1
    assert message.deliveries.filter(status=DeliveryStatus.QUEUED).count() == 1


def test_the_api_resends_within_scope(failed_send, gateway, api_as):
    message, _organiser = failed_send
    url = f"/api/v1/notifications/messages/{message.pk}/resend"
    hue = api_as("province_organiser", HUE)
    assert hue.post(url, "{}", "application/json").status_code == 404
    assert api_as("viewer", HANOI).post(url, "{}", "application/json").status_code == 404
    central = api_as("central_organiser")
    answer = central.post(url, json.dumps({"unknown": True}), "application/json")
    assert answer.status_code == 202, answer.content
    assert answer.json()["resent"] == 2 and answer.json()["message"]["counts"]["sent"] == 3
    nothing = central.post(url, "{}", "application/json")
    assert nothing.status_code == 422 and "Không có tin lỗi" in nothing.json()["detail"]


def test_notify_resend_from_the_command_line(failed_send, gateway):
    message, organiser = failed_send
    runner = CliRunner()
    refused = runner.invoke(main, ["notify", "resend", str(message.pk), "--as-user", "khong-co-ai"])
    assert refused.exit_code == 1
    done = runner.invoke(main, ["notify", "resend", str(message.pk), "--as-user",
                                organiser.username])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "gửi lại cho 1 người nhận" in done.output and "không rõ 1" in done.output
    both = runner.invoke(main, ["notify", "resend", str(message.pk), "--unknown"])
    assert both.exit_code == 0, both.output
    assert _statuses(message) == {"R0": "sent", "R1": "sent", "R2": "sent"}
    assert _to(gateway).count("84912000112") == 2  # sent, lost track of, resent when asked
