"""The site console in a real browser (Debian's Chromium): offline queue, reload, exactly-once sync,
graceful degradation, heartbeats reaching the operations status.

The live server runs in this process, so the tests read the database directly to count what
arrived, and drive the live store's flush by hand instead of waiting for the flusher thread.
"""

import datetime as dt
import os
import time
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from diemcau.attendance.models import CheckIn, Headcount
from diemcau.conftest import HOAN_KIEM
from diemcau.delegates.badge_token import payload_for
from diemcau.delegates.codes import code_for
from diemcau.delegates.models import Delegate
from diemcau.operations import livestate
from diemcau.operations import services as operations
from diemcau.operations.livestate import MemoryStore
from diemcau.operations.models import SiteLive
from diemcau.programme.models import Conference, Day, Session
from diemcau.questions.models import Question

pytestmark = pytest.mark.browser

SITE = "HK-CONSOLE"
SYNC_TIMEOUT_MS = 15_000


@pytest.fixture
def world(units: None, make_site: Any, make_user: Any, settings: Any):
    """One Hoàn Kiếm site with its operator, one delegate with a badge, a session all day today."""
    settings.DIEMCAU_LIVE_FLUSHER = False  # flushed by hand: no thread outlives the test
    livestate.set_store(MemoryStore())
    operations.site_cache.clear()
    site = make_site(HOAN_KIEM, code=SITE, name="Điểm cầu Phường Hoàn Kiếm")
    delegate = Delegate.objects.create(
        code=code_for(700_001),
        site=site,
        province_id=site.province_id,
        full_name="Nguyễn Văn An",
        national_id_hash="a" * 32,
        national_id_last4="1234",
        secret=os.urandom(16).hex(),
    )
    yield {"site": site, "operator": make_user("site_operator", SITE), "delegate": delegate}
    livestate.set_store(None)
    operations.site_cache.clear()


def session_today() -> Session:
    today = timezone.localdate()
    conference = Conference.objects.create(
        slug="console-test", name="Hội nghị tập huấn", host="BTC", starts_on=today, ends_on=today
    )
    day = Day.objects.create(conference=conference, date=today)
    return Session.objects.create(
        day=day, title="Phiên toàn ngày", starts_at=dt.time(0, 0), ends_at=dt.time(23, 59, 59)
    )


def open_console(context: Any, live_server: Any) -> Any:
    page = context.new_page()
    page.goto(f"{live_server.url}/console/{SITE}/")
    page.wait_for_selector("#console[data-ready='1']")
    return page


def pending(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(f"async () => await window.diemcau.queue.pending('{SITE}')")


def test_offline_actions_survive_a_reload_and_sync_exactly_once(
    world: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    session = session_today()
    delegate = world["delegate"]
    context = browser_as(world["operator"])
    page = open_console(context, live_server)
    expect(page.locator("#c-roster")).to_contain_text("1 đại biểu")  # kept for offline checks
    page.wait_for_selector("#console[data-offline='1']")  # the service worker holds the page
    expect(page.locator("#c-session-title")).to_have_text("Phiên toàn ngày")

    context.set_offline(True)
    expect(page.locator("#c-net")).to_have_attribute("data-state", "offline")
    page.fill("#c-scan", payload_for(delegate.code, delegate.secret).lower())  # VN keyboard layout
    page.press("#c-scan", "Enter")
    expect(page.locator("#c-scan-result")).to_contain_text("Nguyễn Văn An")
    expect(page.locator("#c-scan-result")).to_have_attribute("data-state", "genuine")
    page.fill("#c-scan", "KHONG-PHAI-THE")
    page.press("#c-scan", "Enter")
    # One step after another, as an operator works; a step that is not queued names itself.
    expect(page.locator("#c-queued")).to_have_text("2")
    page.fill("#c-count", "42")
    page.click("#c-headcount-form button[type=submit]")
    expect(page.locator("#c-queued")).to_have_text("3")
    page.fill("#c-question-text", "Cán bộ không chuyên trách cấp xã được bố trí thế nào?")
    page.fill("#c-asker", "Trần Thị Bình")
    page.click("#c-question-form button[type=submit]")
    expect(page.locator("#c-queued")).to_have_text("4")
    expect(page.locator("#c-rejected li.bad")).to_have_count(0)  # nothing reached the server

    assert page.evaluate("fetch('/api/v1/me').then(() => 'reached', () => 'failed')") == "failed"
    reloaded = page.reload()  # offline: the service worker's copy; the queue is in IndexedDB
    assert reloaded is not None and reloaded.from_service_worker
    page.wait_for_selector("#console[data-ready='1']")
    expect(page.locator("#c-queued")).to_have_text("4")
    entries = pending(page)
    assert sorted(e["kind"] for e in entries) == ["checkin", "checkin", "headcount", "question"]
    assert not CheckIn.objects.exists() and not Headcount.objects.exists()
    assert not Question.objects.exists()

    context.set_offline(False)
    expect(page.locator("#c-queued")).to_have_text("0", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#c-net")).to_have_attribute("data-state", "online")
    expect(page.locator("#c-rejected li.bad")).to_have_count(1)  # the bad scan, with its reason
    expect(page.locator("#c-rejected")).to_contain_text("KHONG-PHAI-THE")
    expect(page.locator("#c-last-sync")).not_to_have_text("chưa lần nào")

    # The acknowledgments were lost (say): the same ids go again; the server keeps one of each.
    page.evaluate(
        """async (entries) => {
            const queue = window.diemcau.queue;
            for (const e of entries) await queue.enqueue(e.site, e.kind, e.body, e.label);
            await window.diemcau.sync();
        }""",
        entries,
    )
    expect(page.locator("#c-queued")).to_have_text("0", timeout=SYNC_TIMEOUT_MS)
    ids = {e["kind"]: e["id"] for e in entries if e["body"].get("badge") != "KHONG-PHAI-THE"}
    checkin = CheckIn.objects.get()
    assert str(checkin.pk) == ids["checkin"]
    assert (checkin.delegate_id, checkin.session_id) == (delegate.pk, session.pk)
    headcount = Headcount.objects.get()
    assert (str(headcount.pk), headcount.count, headcount.session_id) == (
        ids["headcount"],
        42,
        session.pk,
    )
    question = Question.objects.get()
    assert question.client_id == ids["question"]
    assert question.asker_name == "Trần Thị Bình"
    assert question.session_id == session.pk
    expect(page.locator("#c-rejected li.bad")).to_have_count(1)  # resending the bad scan: once


def test_lost_acknowledgements_are_resent_and_recorded_once(
    world: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    """The server records each action but its answer never arrives: the console sends again."""
    from playwright.sync_api import expect

    session_today()
    delegate = world["delegate"]
    context = browser_as(world["operator"])
    seen: list[str] = []

    def lose_first_answer(route: Any) -> None:
        response = route.fetch()  # the server does the work…
        path = route.request.url.split("/api/v1/")[1]
        if path not in seen:
            seen.append(path)
            route.abort("connectionreset")  # …and the answer is lost on the way back
        else:
            seen.append(path)
            route.fulfill(response=response)

    page = open_console(context, live_server)
    for path in ("checkins", f"sites/{SITE}/headcounts", "questions/"):
        context.route(f"**/api/v1/{path}", lose_first_answer)
    expect(page.locator("#c-roster")).to_contain_text("1 đại biểu")
    page.fill("#c-scan", payload_for(delegate.code, delegate.secret))
    page.press("#c-scan", "Enter")
    page.fill("#c-count", "7")
    page.click("#c-headcount-form button[type=submit]")
    page.fill("#c-question-text", "Tài liệu chuyên đề 2 có bản in không?")
    page.click("#c-question-form button[type=submit]")
    # The queue reads 0 between the first two acknowledged and the question stored: wait for all.
    kinds = {"checkins", f"sites/{SITE}/headcounts", "questions/"}
    deadline = time.monotonic() + SYNC_TIMEOUT_MS / 1000
    while not (kinds <= set(seen) and page.locator("#c-queued").inner_text() == "0"):
        assert time.monotonic() < deadline, (seen, page.locator("#c-queued").inner_text())
        page.wait_for_timeout(100)  # route handlers run while Playwright waits
    assert set(seen) == kinds
    assert len(seen) >= 6  # every kind went at least twice
    assert CheckIn.objects.count() == 1
    assert Headcount.objects.count() == 1
    assert Question.objects.count() == 1
    expect(page.locator("#c-rejected li.bad")).to_have_count(0)


def test_a_missing_endpoint_keeps_the_queue_and_says_so(
    world: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    session_today()
    context = browser_as(world["operator"])
    context.route(
        "**/api/v1/checkins",
        lambda route: route.fulfill(
            status=404, content_type="text/html", body="<h1>Not Found</h1>"
        ),
    )
    page = open_console(context, live_server)
    expect(page.locator("#c-roster")).to_contain_text("1 đại biểu")
    page.fill("#c-scan", world["delegate"].code)
    page.press("#c-scan", "Enter")
    expect(page.locator("#c-scan-result")).to_have_attribute("data-state", "typed")
    expect(page.locator("#c-message")).to_contain_text("Máy chủ chưa nhận", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#c-queued")).to_have_text("1")
    assert not CheckIn.objects.exists()

    context.unroute("**/api/v1/checkins")  # the server is upgraded
    page.evaluate(
        f"async () => {{ await window.diemcau.queue.wake('{SITE}'); await window.diemcau.sync(); }}"
    )
    expect(page.locator("#c-queued")).to_have_text("0", timeout=SYNC_TIMEOUT_MS)
    expect(page.locator("#c-message")).to_have_text("")
    assert CheckIn.objects.get().manual


def test_heartbeats_put_the_site_online_on_the_status_api(
    world: dict[str, Any], browser_as: Any, live_server: Any, make_user: Any
) -> None:
    from playwright.sync_api import expect

    page = open_console(browser_as(world["operator"]), live_server)
    expect(page.locator("#console")).to_have_attribute("data-beats", "1")
    central = Client()
    central.force_login(make_user("central_organiser"))
    deadline = time.monotonic() + 10
    while True:
        operations.flush()
        status = central.get("/api/v1/operations/status", {"unit": HOAN_KIEM}).json()
        if status["counts"]["online"] == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status["counts"]["online"] == 1, status
    assert status["counts"]["never"] == 0
    live = SiteLive.objects.get(site_id=world["site"].pk)
    assert (live.version, live.playing, live.queued) == ("console-1", False, 0)


def test_badges_are_recognised_offline_by_their_digest(
    world: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    """Own-site badges by SHA-256 of the payload; without crypto.subtle (plain http) "not
    verified"; ids are UUID v7 (time first) even without crypto.randomUUID."""
    delegate = world["delegate"]
    good = payload_for(delegate.code, delegate.secret)
    forged = good[:-1] + ("0" if good[-1] != "0" else "1")
    stranger = payload_for(code_for(700_002), "x" * 32)
    page = open_console(browser_as(world["operator"]), live_server)
    states = page.evaluate(
        """async ([site, scans]) => {
            const { recognise } = await import(new URL("badge.js", document.querySelector(
                "script[type=module]").src));
            const record = await new Promise((resolve) => {
                const again = async () => {
                    const r = await window.diemcau.state.roster;
                    if (r.size) resolve(r); else setTimeout(again, 100);
                };
                again();
            });
            const out = [];
            for (const text of scans) out.push((await recognise(text, record)).state);
            const subtle = Object.getOwnPropertyDescriptor(Crypto.prototype, "subtle");
            const none = { get: () => undefined, configurable: true };
            Object.defineProperty(Crypto.prototype, "subtle", none);
            const randomUUID = crypto.randomUUID;
            crypto.randomUUID = undefined;
            try {
                out.push((await recognise(scans[0], record)).state);
                out.push(window.diemcau.queue.newId());
            } finally {
                Object.defineProperty(Crypto.prototype, "subtle", subtle);
                crypto.randomUUID = randomUUID;
            }
            return out;
        }""",
        [SITE, [good, forged, stranger, delegate.code.lower(), "000-xyz", "rác"]],
    )
    assert states[:7] == [
        "genuine",
        "mismatch",
        "unknown",
        "typed",
        "unreadable",
        "unreadable",
        "unverified",
    ]
    made = uuid.UUID(states[7])
    assert made.version == 7
    assert abs((made.int >> 80) / 1000 - time.time()) < 600  # its first 48 bits: now, in ms


def test_the_technical_check_during_a_rehearsal_sets_the_sites_readiness(
    world: dict[str, Any], browser_as: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    from diemcau.operations.models import Rehearsal, RehearsalSiteState
    from diemcau.units.models import Unit

    now = timezone.now()
    rehearsal = Rehearsal.objects.create(
        title="Kiểm tra kỹ thuật lần 1",
        unit=Unit.objects.get(code="TW"),
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    page = open_console(browser_as(world["operator"]), live_server)
    expect(page.locator("#c-rehearsal-title")).to_have_text("Kiểm tra kỹ thuật lần 1")
    page.check("#c-stream-ok")
    page.click("#c-rehearsal-form button[type=submit]")
    expect(page.locator("#c-rehearsal-result")).to_have_attribute("data-state", "not-ready")
    page.check("#c-sound-ok")
    page.click("#c-rehearsal-form button[type=submit]")
    expect(page.locator("#c-rehearsal-result")).to_have_attribute("data-state", "ready")
    state = RehearsalSiteState.objects.get(rehearsal=rehearsal, site=world["site"])
    assert state.ready and state.stream_ok and state.sound_ok
