"""The whole of issue 10's journey in a phone-sized Chromium: from the badge QR (and the last 4
digits of the CCCD, typed once) to the quiz, the learning report, a grader in scope, the
certificate download and its public QR page (valid, then revoked; a changed code unknown). The
quiz's lost connection is test_browser.py's."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from diemcau.accounts.services import add_user
from diemcau.assessment.models import Attempt, Certificate, Reflection, ReportStatus
from diemcau.assessment.tests.helpers import attend, right_answers, world
from diemcau.conftest import HANOI, HUE
from diemcau.delegates.badge_token import payload_for

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
LEARNED = "Nắm được tổ chức chính quyền địa phương hai cấp và nhiệm vụ của cấp xã."
APPLIED = "Rà soát thủ tục hành chính của xã, phân công lại cán bộ tiếp nhận hồ sơ."


def _organiser(name: str, province: str) -> Client:
    add_user(name, "province_organiser", province, password="mat-khau-123")
    client = Client()
    client.force_login(get_user_model().objects.get(username=name))
    return client


def test_badge_to_verified_certificate_on_a_phone(
    units: None, make_site: Any, chromium: Any, live_server: Any, tmp_path: Path
) -> None:
    w = world(make_site)
    an = w["an"]
    attend(an, w["sessions"][0])
    context = chromium.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True,
    )  # fmt: skip
    context.set_default_timeout(10_000)
    page = context.new_page()
    badge = payload_for(an.code, an.secret)  # what the badge's QR code holds
    home = f"{live_server.url}/hoc-vien/{badge}/{w['conference'].pk}/"

    # the badge alone asks for the last 4 digits of the CCCD; a wrong guess is refused
    page.goto(home)
    page.wait_for_selector("text=4 số cuối số CCCD của bạn")
    assert "Bắt đầu làm bài" not in page.content()
    wrong = f"{(int(an.national_id_last4) + 1) % 10000:04d}"
    page.fill("input[name=digits]", wrong)
    page.click("text=Tiếp tục")
    page.wait_for_selector("text=4 số vừa nhập không khớp")
    page.fill("input[name=digits]", an.national_id_last4)
    page.click("text=Tiếp tục")

    # the quiz, opened from the badge (back on the page asked for)
    page.wait_for_selector("text=Bắt đầu làm bài")
    assert page.url == home
    page.click("text=Bắt đầu làm bài")
    page.wait_for_selector("form#quiz")
    attempt = Attempt.objects.get(delegate=an)
    for qid, indexes in right_answers(attempt).items():
        for i in indexes:
            page.check(f"input[name='q{qid}'][value='{i}']")
    page.click("button[type=submit]")
    page.wait_for_selector("text=4/4")

    # the learning report, typed on the phone
    page.goto(home)
    page.click("text=Viết bài thu hoạch")
    page.fill("textarea[name=a0]", LEARNED)
    page.fill("textarea[name=a1]", APPLIED)
    page.click("button[name=submit]")
    report = Reflection.objects.get(delegate=an)
    assert report.status == ReportStatus.SUBMITTED
    assert report.answers == [LEARNED, APPLIED]

    # graded by Hà Nội's organiser; Huế's cannot even see it
    hue = _organiser("hue-grader", HUE)
    assert hue.post(f"/assessment/reports/{report.pk}/grade/", {"score": 9}).status_code == 404
    hanoi = _organiser("hn-grader", HANOI)
    hanoi.post(f"/assessment/reports/{report.pk}/grade/", {"score": 8, "comment": "Tốt"})
    report.refresh_from_db()
    assert (report.status, report.score) == (ReportStatus.GRADED, 8)

    # the certificate, downloaded on the phone, with the name as written
    page.goto(home)
    with page.expect_download() as download:
        page.click("text=Tải giấy chứng nhận")
    pdf = tmp_path / "giay-chung-nhan.pdf"
    download.value.save_as(pdf)
    command = ["pdftotext", str(pdf), "-"]  # poppler-utils, installed by scripts/services
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert "Nguyễn Văn An" in text

    # its QR page: valid, then revoked; a changed code is unknown
    cert = Certificate.objects.get(delegate=an)
    verify = f"{live_server.url}/xac-minh/{cert.code}/"
    page.goto(verify)
    page.wait_for_selector("text=Giấy chứng nhận hợp lệ")
    assert "Nguyễn Văn An" not in page.content()  # the name is shown masked only
    central = Client()
    add_user("boss", "central_organiser", password="mat-khau-123")
    central.force_login(get_user_model().objects.get(username="boss"))
    central.post(f"/assessment/certificates/{cert.pk}/revoke/", {"reason": "Sai tên"})
    page.goto(verify)
    page.wait_for_selector("text=Giấy chứng nhận này đã bị thu hồi")
    changed = cert.code[:-2] + ("AA" if not cert.code.endswith("AA") else "BB")
    page.goto(f"{live_server.url}/xac-minh/{changed}/")
    page.wait_for_selector("text=Không xác định được giấy chứng nhận")

    # another delegate's badge asks again and shows neither An's nor Bình's page
    binh = w["binh"]
    page.goto(f"{live_server.url}/hoc-vien/{payload_for(binh.code, binh.secret)}/")
    page.wait_for_selector("input[name=digits]")
    assert "Nguyễn Văn An" not in page.content() and "Trần Thị Bình" not in page.content()
    # a forged one is not a link at all
    forged = badge[:-1] + ("A" if not badge.endswith("A") else "B")
    response = page.goto(f"{live_server.url}/hoc-vien/{forged}/")
    assert response is not None and response.status == 404
    context.close()
