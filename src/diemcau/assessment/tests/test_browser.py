"""The delegate's quiz on a phone in a real browser (Debian's Chromium, as the console tests):
answers saved as they are chosen, kept on the phone while offline and sent when it returns,
one submission, the score shown."""

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from diemcau.assessment.links import token_for
from diemcau.assessment.models import Attempt
from diemcau.assessment.tests.helpers import right_answers, world

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _choose(page: Any, answers: dict[str, list[int]]) -> None:
    for qid, indexes in answers.items():
        for i in indexes:
            page.check(f"input[name='q{qid}'][value='{i}']")


def _saved(attempt: Attempt) -> dict[str, list[int]]:
    attempt.refresh_from_db()
    return attempt.answers


def test_quiz_survives_a_lost_connection_and_submits_once(
    units: None, make_site: Any, chromium: Any, live_server: Any
) -> None:
    w = world(make_site)
    context = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/hoc-vien/{token_for(w['an'])}/")
    page.fill("input[name=digits]", w["an"].national_id_last4)  # the second factor, once
    page.click("text=Tiếp tục")
    page.click("text=Bắt đầu làm bài")
    page.wait_for_selector("form#quiz")
    attempt = Attempt.objects.get(delegate=w["an"])
    answers = right_answers(attempt)
    first, rest = dict(list(answers.items())[:2]), dict(list(answers.items())[2:])
    _choose(page, first)
    expect(page.locator("#saved")).to_have_text("Đã lưu.")
    assert _saved(attempt) == first

    context.set_offline(True)
    _choose(page, rest)
    expect(page.locator("#saved")).to_contain_text("Mất kết nối")
    assert _saved(attempt) == first  # nothing reached the server
    context.set_offline(False)  # the answers kept on the phone go out when it is back
    deadline = time.monotonic() + 10
    while _saved(attempt) != answers and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert _saved(attempt) == answers
    expect(page.locator("#saved")).to_have_text("Đã lưu.")
    page.reload()
    for qid, indexes in answers.items():  # the page shows what the server holds
        for i in indexes:
            assert page.is_checked(f"input[name='q{qid}'][value='{i}']")

    page.click("button[type=submit]")
    page.wait_for_selector("text=4/4")
    page.go_back()
    page.evaluate("document.getElementById('quiz') && document.getElementById('quiz').submit()")
    page.wait_for_selector("text=4/4")
    assert Attempt.objects.filter(delegate=w["an"]).count() == 1
    context.close()
