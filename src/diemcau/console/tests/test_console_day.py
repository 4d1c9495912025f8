"""The console through a conference day, in Debian's Chromium: badges in both forms read offline,
the running count and the scan list surviving a reload, messages that go when they are stale,
confirmations in their own card, the site's answered questions, and the scanner closed outside
the session's check-in window (issue 17, findings 3, 5 and 8)."""

import datetime as dt
import os
import uuid
from typing import Any

import pytest
from django.utils import timezone

from diemcau.attendance.models import CheckIn
from diemcau.console.tests.test_browser import (
    SITE,
    SYNC_TIMEOUT_MS,
    open_console,
    session_today,
    world,
)
from diemcau.delegates.badge_token import badge_url, payload_for
from diemcau.delegates.codes import code_for
from diemcau.delegates.models import Delegate
from diemcau.programme.models import Conference, Day, Session
from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus, Sector

pytestmark = pytest.mark.browser
__all__ = ["world"]
PUBLIC = "https://hoinghi.example.gov.vn"


def more_delegates(site: Any, n: int) -> list[Delegate]:
    return [
        Delegate.objects.create(
            code=code_for(700_010 + i),
            site=site,
            province_id=site.province_id,
            full_name=f"Phạm Thị Số {i}",
            national_id_hash=f"{i:032x}",
            national_id_last4="0000",
            secret=os.urandom(16).hex(),
        )
        for i in range(n)
    ]


def scan(page: Any, text: str) -> None:
    page.fill("#c-scan", text)
    page.press("#c-scan", "Enter")


def test_the_badge_address_and_the_old_payload_are_one_badge_read_offline(
    world: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    session = session_today()
    delegate = world["delegate"]
    address = badge_url(delegate.code, delegate.secret, PUBLIC)
    old = payload_for(delegate.code, delegate.secret)
    context = browser_as(world["operator"])
    page = open_console(context, live_server)
    expect(page.locator("#c-roster")).to_contain_text("1 đại biểu")
    parsed = page.evaluate(
        """async (texts) => {
            const badge = await import(new URL("badge.js", document.querySelector(
                "script[type=module]").src));
            return texts.map((t) => [badge.parseScan(t), badge.canonical(t)]);
        }""",
        [
            address,
            address.upper(),
            f"http://10.0.0.5:8000/d/{delegate.code}.{address[-16:]}/",
            old,
            old.lower(),
            address[:-1],
            f"{PUBLIC}/d/{delegate.code[:-1]}Z.{address[-16:]}",
            delegate.code,
        ],
    )
    mac = old.rsplit(":", 1)[1]
    assert [p for p, _ in parsed[:5]] == [{"code": delegate.code, "mac": mac}] * 5
    assert [c for _, c in parsed[:5]] == [old] * 5  # sent in the canonical form
    assert parsed[5][0] is None and parsed[6][0] is None  # a character lost, a bad check
    assert parsed[7] == [{"code": delegate.code, "mac": None}, delegate.code]

    context.set_offline(True)
    expect(page.locator("#c-net")).to_have_attribute("data-state", "offline")
    scan(page, address)  # what the badges print now, read by a USB scanner
    expect(page.locator("#c-scan-result")).to_have_attribute("data-state", "genuine")
    expect(page.locator("#c-scan-result")).to_contain_text("Nguyễn Văn An")
    expect(page.locator("#c-tally")).to_have_text("1/1 đã điểm danh")
    scan(page, old)  # a badge printed before: the same badge, seen again
    expect(page.locator("#c-scan-result")).to_contain_text("Đã quét")
    expect(page.locator("#c-tally")).to_have_text("1/1 đã điểm danh")
    scan(page, "rác:::")
    expect(page.locator("#c-scan-result")).to_contain_text(
        "Không đọc được mã trên thẻ — đã lưu, máy chủ sẽ kiểm tra khi có mạng"
    )

    context.set_offline(False)
    expect(page.locator("#c-queued")).to_have_text("0", timeout=SYNC_TIMEOUT_MS)
    checkin = CheckIn.objects.get()
    assert (checkin.delegate_id, checkin.session_id, checkin.manual) == (
        delegate.pk,
        session.pk,
        False,
    )
    # The line under the scanner now gives the server's word, not the offline guess.
    expect(page.locator("#c-scan-result")).to_contain_text("Bị từ chối")
    expect(page.locator("#c-tally")).to_have_text("1/1 đã điểm danh")


def test_the_scan_list_and_the_count_survive_a_reload_offline(
    world: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    session = session_today()
    site = world["site"]
    others = more_delegates(site, 2)
    now = timezone.now()
    CheckIn.objects.create(  # checked in earlier on another computer of the site
        id=uuid.uuid4(),
        delegate=others[0],
        session=session,
        site=site,
        scanned_at=now,
        received_at=now,
    )
    context = browser_as(world["operator"])
    page = open_console(context, live_server)
    expect(page.locator("#c-roster")).to_contain_text("3 đại biểu")
    expect(page.locator("#c-tally")).to_have_text("1/3 đã điểm danh")
    page.wait_for_selector("#console[data-offline='1']")

    context.set_offline(True)
    delegate = world["delegate"]
    scan(page, badge_url(delegate.code, delegate.secret, PUBLIC))
    expect(page.locator("#c-tally")).to_have_text("2/3 đã điểm danh")  # at the scan, offline
    page.reload()
    page.wait_for_selector("#console[data-ready='1']")
    expect(page.locator("#c-scans li")).to_have_count(1)
    expect(page.locator("#c-scans")).to_contain_text("Nguyễn Văn An")
    expect(page.locator("#c-tally")).to_have_text("2/3 đã điểm danh")

    context.set_offline(False)
    expect(page.locator("#c-queued")).to_have_text("0", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#c-scans li.c-scan-sent")).to_have_count(1)
    expect(page.locator("#c-tally")).to_have_text("2/3 đã điểm danh")
    assert CheckIn.objects.count() == 2


def test_messages_said_offline_go_when_the_network_returns(
    world: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    session_today()
    context = browser_as(world["operator"])
    page = open_console(context, live_server)
    expect(page.locator("#c-roster")).to_contain_text("1 đại biểu")
    page.wait_for_selector("#console[data-offline='1']")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#console[data-ready='1']")
    expect(page.locator("#c-roster")).to_contain_text("bản lưu ngoại tuyến")
    expect(page.locator("#c-player-state")).to_have_attribute("data-state", "offline")
    expect(page.locator("#c-player-state")).to_contain_text("Không kết nối được máy chủ")

    context.set_offline(False)
    expect(page.locator("#c-net")).to_have_attribute("data-state", "online")
    expect(page.locator("#c-roster")).not_to_contain_text("ngoại tuyến", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#c-roster")).to_contain_text("1 đại biểu")
    expect(page.locator("#c-player-state")).not_to_have_attribute(
        "data-state", "offline", timeout=SYNC_TIMEOUT_MS
    )
    expect(page.locator("#c-player-state")).not_to_contain_text("Không kết nối được máy chủ")


def test_confirmations_have_their_own_place_and_follow_the_queue(
    world: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    session_today()
    context = browser_as(world["operator"])
    page = open_console(context, live_server)
    context.set_offline(True)
    expect(page.locator("#c-net")).to_have_attribute("data-state", "offline")
    page.fill("#c-count", "42")
    page.click("#c-headcount-form button[type=submit]")
    expect(page.locator("#c-headcount-result")).to_have_text("42 · Đã lưu vào hàng đợi.")
    page.fill("#c-question-text", "Tài liệu chuyên đề 2 có bản in không?")
    page.click("#c-question-form button[type=submit]")
    expect(page.locator("#c-question-result")).to_have_text("Đã lưu vào hàng đợi.")
    expect(page.locator("#c-scan-result")).to_have_text("")  # the check-in box says nothing
    context.set_offline(False)
    expect(page.locator("#c-headcount-result")).to_have_text(
        "Đã gửi tới máy chủ.", timeout=SYNC_TIMEOUT_MS
    )
    expect(page.locator("#c-question-result")).to_have_text("Đã gửi tới máy chủ.")
    expect(page.locator("#c-scan-result")).to_have_text("")


def test_the_site_reads_the_published_answers_to_its_own_questions(
    world: dict[str, Any], browser_as: Any, live_server: Any, make_site: Any
) -> None:
    from playwright.sync_api import expect

    from diemcau.conftest import HOAN_KIEM

    session_today()
    site = world["site"]
    other = make_site(HOAN_KIEM, code="HK-KHAC")
    sector, _ = Sector.objects.get_or_create(code="noi-vu", defaults={"name": "Nội vụ"})
    cluster = Cluster.objects.create(sector=sector)
    Answer.objects.create(
        cluster=cluster,
        sector=sector,
        text="Mỗi xã bố trí tối đa 14 người hoạt động không chuyên trách.",
        published_at=timezone.now(),
    )
    Question.objects.create(
        text="Cán bộ không chuyên trách cấp xã được bố trí thế nào?",
        site=site,
        unit=site.unit,
        cluster=cluster,
        status=QuestionStatus.PUBLISHED,
    )
    draft = Cluster.objects.create(sector=sector)
    Answer.objects.create(cluster=draft, sector=sector, text="Nháp chưa duyệt")
    Question.objects.create(text="Câu còn chờ?", site=site, unit=site.unit, cluster=draft)
    Question.objects.create(text="Câu của điểm khác", site=other, unit=other.unit)
    page = open_console(browser_as(world["operator"]), live_server)
    answers = page.locator("#c-answers")
    expect(answers.locator("li")).to_have_count(2)
    expect(answers).to_contain_text("Cán bộ không chuyên trách cấp xã được bố trí thế nào?")
    expect(answers.locator(".c-answer")).to_contain_text("tối đa 14 người")
    expect(answers.locator(".c-answer")).to_contain_text(f"Trả lời của {sector.name}")
    expect(answers).to_contain_text("Chưa có câu trả lời được công bố.")
    expect(answers).not_to_contain_text("Nháp chưa duyệt")
    expect(answers).not_to_contain_text("Câu của điểm khác")


@pytest.mark.parametrize(
    ("days", "words"),
    [(-1, "Đã đóng điểm danh: phiên đã kết thúc lúc 11:30"), (1, "Chưa mở điểm danh")],
)
def test_scanning_is_closed_outside_the_sessions_check_in_window(
    world: dict[str, Any], browser_as: Any, live_server: Any, days: int, words: str
) -> None:
    from playwright.sync_api import expect

    date = timezone.localdate() + dt.timedelta(days=days)
    conference = Conference.objects.create(
        slug="closed", name="Hội nghị", host="BTC", starts_on=date, ends_on=date
    )
    Session.objects.create(
        day=Day.objects.create(conference=conference, date=date),
        title="Phiên sáng",
        starts_at=dt.time(7, 30),
        ends_at=dt.time(11, 30),
    )
    page = open_console(browser_as(world["operator"]), live_server)
    expect(page.locator("#c-closed")).to_be_visible()
    expect(page.locator("#c-closed")).to_contain_text(words)
    expect(page.locator("#c-scan")).to_be_disabled()
    # A stray keystroke reaching the closed scanner, in one go: the console redraws the scanner
    # on its timer, so enabling it and typing as two steps could find it closed again between.
    page.evaluate(
        """code => { const input = document.getElementById('c-scan');
        input.disabled = false; input.value = code;
        document.getElementById('c-scan-form').requestSubmit(); }""",
        world["delegate"].code,
    )
    assert page.evaluate(f"window.diemcau.queue.pending('{SITE}')") == []
    expect(page.locator("#c-scan")).to_be_disabled()
