"""Organisers' pages, the API and `diemcau notify`, in Vietnamese."""

import json

from click.testing import CliRunner
from django.test import Client

from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.notifications.models import Delivery, DeliveryStatus, Message, OrganiserPhone


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def test_compose_preview_send_and_watch(make_site, make_user, smtp):
    make_site(HOAN_KIEM, code="P1", contact_name="Chị Lan", contact_email="lan@example.vn")
    organiser = make_user("province_organiser", HANOI)
    client = _client(organiser)
    page = client.get("/notifications/new/")
    assert page.status_code == 200 and "Soạn tin mới" in page.text
    form = {"kind": "all", "role": "contact", "channel": "email", "subject": "Nhắc {ma_diem_cau}",
            "body": "Kính gửi {nguoi_nhan}, điểm cầu {diem_cau}."}  # fmt: skip
    shown = client.post("/notifications/new/", {**form, "action": "preview"})
    assert shown.status_code == 200
    assert "Kính gửi Chị Lan, điểm cầu Điểm cầu Phường Hoàn Kiếm." in shown.text
    assert "Gửi tới 1 điểm cầu" in shown.text
    bad = client.post("/notifications/new/", {**form, "body": "{ho_tne}", "action": "preview"})
    assert bad.status_code == 400 and "Trường không hợp lệ {ho_tne}" in bad.text
    sent = client.post("/notifications/new/", {**form, "action": "send"})
    message = Message.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/notifications/{message.pk}/"
    detail = client.get(sent["Location"])
    assert "Đã gửi" in detail.text and "lan@example.vn" in detail.text
    assert smtp.by_recipient() == {"lan@example.vn": 1}
    assert "Nhắc {ma_diem_cau}" in client.get("/notifications/").text  # the message as written
    # The site's page shows its last messages.
    site_page = client.get("/sites/P1/")
    assert "Tin nhắn gần đây tới điểm cầu này" in site_page.text and "Nhắc P1" in site_page.text


def test_the_api_sends_and_lists_deliveries_within_scope(make_site, make_user, api_as, smtp):
    make_site(HOAN_KIEM, code="A1", contact_email="a1@example.vn")
    make_site(first_commune(HUE).code, code="H1", contact_email="h1@example.vn")
    api = api_as("province_organiser", HANOI)
    body = {
        "subject": "S",
        "body": "Chào {diem_cau}",
        "audience": {"kind": "list", "codes": ["H1"]},
    }
    refused = api.post("/api/v1/notifications/messages", json.dumps(body), "application/json")
    assert refused.status_code == 422 and "H1" in refused.json()["detail"]
    body["audience"] = {"kind": "all"}
    created = api.post("/api/v1/notifications/messages", json.dumps(body), "application/json")
    assert created.status_code == 202, created.content
    message_id = created.json()["id"]
    assert created.json()["counts"]["sent"] == 1
    page = api.get(f"/api/v1/notifications/messages/{message_id}/deliveries").json()
    assert [d["site"] for d in page["items"]] == ["A1"] and page["items"][0]["status"] == "sent"
    assert smtp.by_recipient() == {"a1@example.vn": 1}
    other = api_as("province_organiser", HUE)
    assert other.get(f"/api/v1/notifications/messages/{message_id}").status_code == 404


def test_notify_from_the_command_line(make_site, make_user, gateway):
    make_site(HOAN_KIEM, code="C1", tech_name="Kỹ thuật", tech_phone="0912000111")
    runner = CliRunner()
    text = "Điểm cầu {ma_diem_cau}: kiểm tra đường truyền."
    args = ["notify", "send", "--channel", "sms", "--role", "technician", "--audience", "list",
            "--codes", "C1", "--text", text]  # fmt: skip
    dry = runner.invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        "Số điểm cầu nhận: 1" in dry.output and "Diem cau C1: kiem tra duong truyen." in dry.output
    )
    assert not gateway.requests
    sent = runner.invoke(main, [*args, "--yes"])
    assert sent.exit_code == 0, sent.output
    assert "đã gửi 1" in sent.output
    assert [r.fields["to"] for r in gateway.requests] == ["84912000111"]
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    unknown = runner.invoke(main, ["notify", "send", "--text", "x", "--audience", "list",
                                   "--codes", "KHONGCO", "--yes"])  # fmt: skip
    assert unknown.exit_code == 1 and "KHONGCO" in unknown.output
    organiser = make_user("province_organiser", HANOI)
    phone = runner.invoke(
        main, ["notify", "organiser-phone", organiser.username, "+84 90 111 2233"]
    )
    assert phone.exit_code == 0 and OrganiserPhone.objects.get(user=organiser).phone == "0901112233"
    out = runner.invoke(main, ["notify", "opt-out", "sms", "0912000111"])
    assert out.exit_code == 0 and "không nhận tin" in out.output
