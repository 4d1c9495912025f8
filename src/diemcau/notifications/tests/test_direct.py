"""The interface the automatic messages use: send_direct, against a fake SMS gateway and a real
SMTP server on loopback."""

import pytest

from diemcau.audit.models import Entry
from diemcau.conftest import HUE
from diemcau.errors import Forbidden
from diemcau.notifications import services
from diemcau.notifications.models import Delivery, DeliveryStatus, OptOut, OrganiserPhone


@pytest.fixture
def site(make_site):
    return make_site(
        tech_name="Nguyễn Văn Kỹ",
        tech_phone="+84 912 345 678",
        tech_email="ky.thuat@example.vn",
        contact_name="Trần Thị Liên",
        contact_phone="0987.654.321",
        contact_email="lien@example.vn",
    )


def test_an_sms_to_the_technician_reaches_the_gateway_once_per_key(gateway, site):
    text = "Điểm cầu mất tín hiệu 3 phút, đề nghị kiểm tra."
    first = services.send_direct(
        site=site, role="technician", channel="sms", text=text,
        idempotency_key="alerts:outage:1:tech", reason="offline 3 min",
    )  # fmt: skip
    again = services.send_direct(
        site=site, role="technician", channel="sms", text=text,
        idempotency_key="alerts:outage:1:tech", reason="offline 3 min",
    )  # fmt: skip
    assert again.pk == first.pk
    first.refresh_from_db()
    assert first.status == DeliveryStatus.SENT, first.answer
    assert first.address == "0912345678" and first.parts == 1
    assert len(gateway.requests) == 1
    sent = gateway.requests[0]
    # Numbers as the gateway wants them, diacritics stripped (GSM-7), the key as reference.
    assert sent.fields == {
        "to": "84912345678",
        "text": "Diem cau mat tin hieu 3 phut, de nghi kiem tra.",
        "sender": "HOINGHI",
        "ref": "alerts:outage:1:tech",
    }
    assert sent.headers["Authorization"] == "Bearer bi-mat"
    assert first.gateway_id == "gw-1"
    assert Entry.objects.filter(subject="notifications", event="send").count() == 1


def test_a_gateway_error_is_retried_then_shown_failed(gateway, site, settings):
    settings.DIEMCAU_NOTIFY_ATTEMPTS = 3
    gateway.fail_next(2, status=503)
    ok = services.send_direct(
        site=site, role="technician", channel="sms", text="Thử lại",
        idempotency_key="k-retry", reason="test",
    )  # fmt: skip
    assert ok.status == DeliveryStatus.SENT and ok.attempts == 3
    gateway.always = 500
    failed = services.send_direct(
        site=site, role="contact", channel="sms", text="Hỏng",
        idempotency_key="k-fail", reason="test",
    )  # fmt: skip
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 3
    assert failed.answer.startswith("HTTP 500") and "gateway busy" in failed.answer
    # A refusal that cannot pass later (4xx) is not retried.
    gateway.always = 400
    refused = services.send_direct(
        site=site, role="contact", channel="sms", text="Sai",
        idempotency_key="k-400", reason="test",
    )  # fmt: skip
    assert refused.status == DeliveryStatus.FAILED and refused.attempts == 1
    assert len(gateway.requests) == 3 + 3 + 1


def test_an_email_goes_through_a_real_smtp_server(smtp, site):
    delivery = services.send_direct(
        site=site, role="contact", channel="email", text="Kính gửi chị Liên,\nĐường dẫn…",
        idempotency_key="alerts:reminder:7:contact", reason="reminder", subject="Nhắc lịch",
    )  # fmt: skip
    assert delivery.status == DeliveryStatus.SENT, delivery.answer
    (received,) = smtp.messages
    assert received.recipients == ["lien@example.vn"]
    assert received.message["Subject"] == "Nhắc lịch"
    assert "Kính gửi chị Liên" in received.message.get_content()
    assert received.message_id.endswith("@example.gov.vn>")


def test_no_address_or_opted_out_is_recorded_skipped_and_not_sent(gateway, site, make_site):
    bare = make_site()
    skipped = services.send_direct(
        site=bare, role="technician", channel="sms", text="x", idempotency_key="a", reason="r"
    )
    assert skipped.status == DeliveryStatus.SKIPPED
    OptOut.objects.create(channel="sms", address="0987654321")
    out = services.send_direct(
        site=site, role="contact", channel="sms", text="x", idempotency_key="b", reason="r"
    )
    assert out.status == DeliveryStatus.SKIPPED and gateway.requests == []


def test_the_province_organiser_is_reached_by_sms(gateway, site, make_user):
    organiser = make_user("province_organiser", "01")
    OrganiserPhone.objects.create(user=organiser, phone="0901234567")
    delivery = services.send_direct(
        site=site, role="province_organiser", channel="sms", text="Điểm cầu mất tín hiệu 10 phút",
        idempotency_key="alerts:outage:1:province", reason="offline 10 min",
    )  # fmt: skip
    assert delivery.status == DeliveryStatus.SENT and delivery.address == "0901234567"
    assert gateway.requests[0].fields["to"] == "84901234567"


def test_an_organiser_cannot_message_another_provinces_site(gateway, site, make_user):
    hue_organiser = make_user("province_organiser", HUE)
    with pytest.raises(Forbidden):
        services.send_direct(
            site=site, role="contact", channel="sms", text="x",
            idempotency_key="x1", reason="r", user=hue_organiser,
        )  # fmt: skip
    assert not Delivery.objects.exists() and gateway.requests == []
    own = services.send_direct(
        site=site, role="contact", channel="sms", text="x",
        idempotency_key="x2", reason="r", user=make_user("province_organiser", "01"),
    )  # fmt: skip
    assert own.status == DeliveryStatus.SENT


def test_a_retry_due_later_does_not_hold_the_worker(gateway, site, settings):
    """The worker does not sleep through a backoff: the job queues itself for then and ends."""
    import time

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from diemcau.tasks import jobs
    from diemcau.tasks.models import Task

    settings.DIEMCAU_TASKS_INLINE = False
    settings.DIEMCAU_NOTIFY_BACKOFF_S = 2.5
    gateway.fail_next(1, status=503)
    delivery = services.send_direct(
        site=site, role="technician", channel="sms", text="Thử lại sau",
        idempotency_key="k-defer", reason="test",
    )  # fmt: skip
    assert delivery.status == DeliveryStatus.QUEUED  # waiting for a worker
    first = Task.objects.get(kind="notifications.deliver")
    jobs.run(first.pk)  # a worker runs it: refused, the next try is 2.5 s away
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 1)
    assert Task.objects.get(pk=first.pk).status == "done"
    again = Task.objects.exclude(pk=first.pk).get(kind="notifications.deliver")
    queued = DBTaskResult.objects.get(args_kwargs__args=[str(again.pk)])
    assert queued.run_after > timezone.now()
    time.sleep(max(0.0, (queued.run_after - timezone.now()).total_seconds()) + 0.05)
    jobs.run(again.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(gateway.requests) == 2
