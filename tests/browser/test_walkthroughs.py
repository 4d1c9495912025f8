"""Each role's conference day, walked in Chromium on a small living demo.

The world is the one `diemcau up` brings up, only smaller: the demo sites (the central bodies and
every province's own, Hà Nội's first), the demo accounts, and the living demo on top (a session on
now, delegates with badges, a quiz bank, questions routed and answered, a rehearsal readiness
window). A few seconds of the simulated day are played against the server through its HTTP API
(heartbeats, check-ins, questions, a group of sites falling silent long enough to open
incidents), so the dashboards have something to show.

Every person signs in through the real sign-in page — organisers through the second factor too,
with the code their authenticator app would show — and opens the pages of their day. Each step
is checked by `Walk`: no server error, no JavaScript exception, no serious or critical axe-core
violation; and photographed under DIEMCAU_WALKTHROUGH_DIR, one folder per role.

The world is built once for the module and served by a live server of its own: five separate
worlds behind pytest-django's `live_server` (which empties the database after every test) would
cost a minute of loading, more than the walks themselves. The walks share the world as people
share a day: each changes only what its role changes (one check-in, one question, one answer, one
quiz), and none relies on another having run. The module empties the tables when it ends, as a
live-server test does.
"""

import importlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test.utils import override_settings, setup_databases, teardown_databases
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.live_server_helper import LiveServer

from diemcau.attendance.models import CheckIn
from diemcau.delegates.badge_token import mac_for
from diemcau.delegates.models import Delegate
from diemcau.operations import health, livestate
from diemcau.operations import services as operations
from diemcau.operations.livestate import MemoryStore
from diemcau.questions.models import Answer, Cluster, Question
from diemcau.simulation import demo_day
from diemcau.simulation.living_demo import load_living_demo, operator_site_ids
from diemcau.sites.demo import DEMO_PASSWORD, load_demo_accounts, load_demo_sites
from diemcau.sites.models import Site
from diemcau.units.models import Unit
from diemcau.units.services import load_units

from .walk import DESKTOP, PHONE, Walk, out_dir

pytestmark = pytest.mark.browser

SITES = 80  # the central bodies, then each province's own (Hà Nội's first)
DELEGATES = 400  # 40 at each of the demo operator's two sites, the rest spread out
DAY_SITES = 40  # sites the simulated day connects
HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # passwords in seconds, not minutes


@dataclass
class Day:
    url: str
    plan: demo_day.DayPlan

    def beat(self) -> None:
        """One more period of the simulated day (every connected site heard, some scans)."""
        play(self.url, self.plan, seconds=0.05)
        operations.flush()


def play(url: str, plan: demo_day.DayPlan, seconds: float, tick_s: float = 0.05) -> None:
    demo_day.play_day(
        url, plan, threading.Event(), lambda _line: None, seconds=seconds, tick_s=tick_s
    )


def seed_sectors() -> None:
    """The sectors the questions' migration seeds (a live-server flush removes them)."""
    importlib.import_module("diemcau.questions.migrations.0002_seed_sectors").seed(apps, None)


def build_world(url: str) -> demo_day.DayPlan:
    if not Unit.objects.exists():
        load_units()
    seed_sectors()
    load_demo_sites(SITES, 2025)
    load_demo_accounts()
    load_living_demo(delegates=DELEGATES, base_url=url)
    plan = demo_day.prepare_day(n_sites=DAY_SITES)
    # Every connected site is heard; then, past the (shortened) offline delay, all but the
    # outage group are heard again: the flush marks that group offline and opens its incidents.
    play(url, plan, seconds=0.05)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(health, "OFFLINE_AFTER_S", 1.0)
        patch.setattr(demo_day, "OUTAGE_AT_S", 0.0)
        time.sleep(1.2)
        play(url, plan, seconds=0.05)
        operations.flush()
    return plan


@pytest.fixture(scope="session")
def walk_database(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test database, made here when no test of the session asked pytest-django for one.

    pytest-django only makes the databases that `django_db` tests name, and these tests carry no
    such mark: it would wrap each one in a transaction (which, on SQLite, holds the write lock
    the server needs) or empty the tables after each.
    """
    made = None
    named = connection.settings_dict["TEST"].get("NAME")
    name = str(connection.settings_dict["NAME"])
    if not (name == named if named else name.startswith(TEST_DATABASE_PREFIX)):
        with django_db_blocker.unblock():
            made = setup_databases(verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS})
    yield
    if made is not None:
        with django_db_blocker.unblock():
            connections.close_all()
            teardown_databases(made, verbosity=0)


@pytest.fixture(scope="module")
def day(walk_database: None, django_db_blocker: Any) -> Iterator[Day]:
    settings = override_settings(
        DIEMCAU_DEMO=True,
        DIEMCAU_LIVE_FLUSHER=False,
        DIEMCAU_2FA_ROLES=["central_organiser", "province_organiser"],
        PASSWORD_HASHERS=HASHERS,
    )
    with django_db_blocker.unblock(), settings:
        livestate.set_store(MemoryStore())
        operations.site_cache.clear()
        cache.clear()
        server = LiveServer("localhost")
        try:
            yield Day(server.url, build_world(server.url))
        finally:
            server.stop()
            livestate.set_store(None)
            operations.site_cache.clear()
            cache.clear()
            # As a live-server test ends: the tables emptied (the tree comes back with the
            # browser fixtures' _units_back), the seeded sectors put back.
            call_command("flush", verbosity=0, interactive=False)
            seed_sectors()
            connections.close_all()


@pytest.fixture
def walk_in(
    day: Day, chromium: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Walk]]:
    """walk_in(role, viewport) → a Walk in a fresh browser context (Vietnamese, Hà Nội time).

    The world comes before the browser: while Playwright's event loop runs in this thread,
    Django keeps a connection per asyncio context (asgiref's Local), and one opened then for
    the module would never be closed — PostgreSQL would refuse to drop the test database.
    """
    contexts: list[Any] = []
    root: Path = tmp_path_factory.getbasetemp()

    def make(role: str, viewport: dict[str, int] = DESKTOP) -> Walk:
        context = chromium.new_context(
            locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=viewport
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return Walk(context.new_page(), day.url, out_dir(root, role))

    yield make
    for context in contexts:
        context.close()
    connections.close_all()  # the test's own, or the database could not be dropped at the end


def through(page: Any, act: Callable[[], Any]) -> None:
    """Do what opens another page (a link, a form, a select that submits itself) and wait for
    that page, so the check that follows never runs on the one being left."""
    with page.expect_navigation(wait_until="load"):
        act()


def authenticator(username: str) -> TOTPDevice:
    """The person's authenticator app, enrolled (what enrolment by QR code leaves behind)."""
    user = get_user_model().objects.get(username=username)
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def code_now(device: TOTPDevice) -> str:
    """The six digits the person's phone shows now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


def test_central_organiser_day(day: Day, walk_in: Any) -> None:
    from playwright.sync_api import expect

    walk = walk_in("central-organiser", DESKTOP)
    walk.sign_in("bantochuc", DEMO_PASSWORD, otp=code_now(authenticator("bantochuc")))
    page = walk.check("home now panel", expect="Phiên đang diễn ra")
    expect(page.locator("[data-now=connected]")).not_to_have_text("0")  # heard now, not registered
    expect(page.locator("[data-now=incidents]")).not_to_have_text("0")
    walk.visit("/operations/", "operations", expect="Điểm cầu gặp sự cố")
    page = walk.visit("/operations/sites/", "whom to call")
    rows = page.locator("#call-list tbody tr")
    assert rows.count() > 1
    expect(page.locator("#call-list a.ops-tel").first).to_have_attribute(
        "href", re.compile(r"^tel:\d+$")
    )
    name = rows.first.locator("td a").first.inner_text()
    through(page, rows.first.locator("td a").first.click)
    walk.check("a site to call", expect=name)
    page = walk.visit("/operations/incidents/", "incidents")
    through(page, page.locator("main table a[href*='/operations/incidents/']").first.click)
    walk.check("an incident")
    page = walk.visit("/reports/", "reports")
    conference = page.locator("select[name=conference] option").first.get_attribute("value")
    through(page, lambda: page.select_option("select[name=conference]", conference))
    walk.check("report of the conference", expect="Hội nghị")
    walk.visit("/exports/", "exports")
    walk.assert_clean()


def test_province_organiser_day(day: Day, walk_in: Any) -> None:
    day.beat()
    walk = walk_in("province-organiser", DESKTOP)
    walk.sign_in("hanoi", DEMO_PASSWORD, otp=code_now(authenticator("hanoi")))
    walk.check("home now panel", expect="điểm cầu đang kết nối")
    page = walk.visit("/operations/map/", "map of provinces")
    through(page, page.locator("a.ops-tile[data-code='01']").click)
    walk.check("Ha Noi breakdown", expect="Hà Nội")
    walk.visit("/operations/map/01/?sort=trouble", "breakdown sorted by trouble")
    walk.visit("/operations/sites/?state=never", "Ha Noi silent sites")
    page = walk.visit("/operations/rehearsals/", "rehearsals")
    through(page, page.locator("main table a[href*='/operations/rehearsals/']").first.click)
    walk.check("rehearsal readiness")
    walk.visit("/sites/import/", "sites import")
    walk.assert_clean()


def test_operator_on_a_phone(day: Day, walk_in: Any) -> None:
    from playwright.sync_api import expect

    walk = walk_in("operator-phone", PHONE)
    walk.sign_in("diemcau", DEMO_PASSWORD)
    page = walk.check("console index")
    own = Site.objects.filter(pk__in=operator_site_ids()).order_by("code").first()
    assert own is not None
    if f"/console/{own.code}/" not in page.url:
        through(page, page.locator(f"a[href='/console/{own.code}/']").click)
    page.wait_for_selector("#console[data-ready='1']")
    walk.check("console")
    tally = page.locator("#c-tally")
    expect(tally).to_have_attribute("data-total", "40")
    before = int(tally.get_attribute("data-n") or "0")
    checked = CheckIn.objects.filter(session_id=day.plan.session_id).values("delegate_id")
    delegate = Delegate.objects.filter(site=own).exclude(pk__in=checked).order_by("pk").first()
    assert delegate is not None
    page.fill("#c-scan", delegate.code)
    page.press("#c-scan", "Enter")
    expect(page.locator("#c-scan-result")).to_contain_text(delegate.full_name)
    expect(tally).to_have_attribute("data-n", str(before + 1))
    walk.check("checked in by code")
    page.fill("#c-question-text", "Xã mới có phải lập lại sổ theo dõi văn bản đến không?")
    page.click("#c-question-form button[type=submit]")
    # The card says "saved" before the queue's counter moves, so wait for the card itself to
    # settle: "sent" once the server took it (a refusal would show "rejected" with the reason).
    expect(page.locator("#c-question-result")).to_have_attribute(
        "data-state", "sent", timeout=15_000
    )
    expect(page.locator("#c-queued")).to_have_text("0", timeout=15_000)
    walk.check("question sent")
    assert CheckIn.objects.filter(delegate=delegate, session_id=day.plan.session_id).exists()
    assert Question.objects.filter(text__startswith="Xã mới có phải lập lại").exists()
    walk.assert_clean()


def test_sector_answerer_day(day: Day, walk_in: Any) -> None:
    walk = walk_in("sector-answerer", DESKTOP)
    walk.sign_in("bonoivu", DEMO_PASSWORD)
    page = walk.check("questions waiting")
    assert "/questions/answer/" in page.url
    through(page, page.locator("main table a.button").first.click)
    walk.check("a cluster to answer")
    cluster = int(page.url.rstrip("/").split("/")[-2])
    text = "Theo Nghị định về chế độ công chức cấp xã; Sở Nội vụ hướng dẫn cụ thể."
    page.fill("textarea[name=text]", text)
    through(page, lambda: page.click("button[name=save]"))
    walk.check("answer saved", expect="Đã lưu")
    assert Answer.objects.get(cluster=Cluster.objects.get(pk=cluster)).text == text
    walk.assert_clean()


def test_delegate_on_a_phone(day: Day, walk_in: Any) -> None:
    from playwright.sync_api import expect

    delegate = Delegate.objects.filter(site_id__in=operator_site_ids()).order_by("pk").first()
    assert delegate is not None
    walk = walk_in("delegate-phone", PHONE)
    page = walk.visit(f"/d/{delegate.code}.{mac_for(delegate.code, delegate.secret)}", "badge QR")
    page.fill("#digits", delegate.national_id_last4)
    through(page, lambda: page.click("#factor button[type=submit]"))
    walk.check("own page", expect=delegate.full_name)
    through(page, lambda: page.click("form[action$='/start/'] button[type=submit]"))
    walk.check("quiz")
    page.locator("#quiz input[type=radio], #quiz input[type=checkbox]").first.check()
    expect(page.locator("#saved")).to_have_text("Đã lưu.")
    through(page, lambda: page.click("#quiz button[type=submit]"))
    walk.check("quiz submitted")
    walk.assert_clean()
