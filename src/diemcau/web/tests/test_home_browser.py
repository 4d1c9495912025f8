"""The home page in Debian's Chromium on a phone (390×844): a header that leaves the screen to the
content, a menu that opens, and figures that change in place when a site is heard (now.js under
the Content Security Policy, no JavaScript error)."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from diemcau.accounts.scopes import Scope
from diemcau.conftest import HOAN_KIEM
from diemcau.operations import livestate, services
from diemcau.operations.livestate import MemoryStore
from diemcau.units.models import Unit
from diemcau.units.services import load_units
from diemcau.web import views

CHROMIUM = Path(os.environ.get("DIEMCAU_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[4] / "tests" / "vendor" / "axe.min.js"  # scripts/vendor
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.skip(f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}. Run scripts/browsers.")
    from playwright.sync_api import sync_playwright

    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


def _axe(page: Any) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations (axe-core from tests/vendor)."""
    if not AXE.is_file():
        pytest.fail(f"axe-core missing at {AXE}: run scripts/vendor")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => JSON.stringify((await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations)"""
    )
    return [
        f"{v['impact']}: {v['id']} ({len(v['nodes'])})"
        for v in json.loads(found)
        if v.get("impact") in ("serious", "critical")
    ]


@pytest.fixture(scope="module", autouse=True)
def _units_back(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        if not Unit.objects.exists():
            load_units()


@pytest.fixture
def store(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryStore]:
    settings.DIEMCAU_LIVE_FLUSHER = False
    monkeypatch.setattr(views, "REFRESH_S", 1)
    memory = MemoryStore()
    livestate.set_store(memory)
    services.site_cache.clear()
    yield memory
    livestate.set_store(None)
    services.site_cache.clear()


def test_home_on_a_phone(
    chromium: Any, live_server: Any, transactional_db: None, make_site: Any, make_user: Any,
    store: MemoryStore,
) -> None:  # fmt: skip
    from playwright.sync_api import expect

    if not Unit.objects.exists():
        load_units()
    site = make_site(HOAN_KIEM)
    client = Client()
    client.force_login(make_user("central_organiser"))
    context = chromium.new_context(
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=PHONE, is_mobile=True
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    page.on(  # a missing file, by its address (the browser's own favicon request aside)
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    try:
        page.goto(live_server.url + "/")
        header = page.locator("header.top").bounding_box()
        assert header is not None and header["height"] <= PHONE["height"] * 0.15, header
        assert page.locator("[data-now='connected']").inner_text() == "0"
        assert not page.locator(".menu-groups").is_visible()
        page.locator(".menu-box > summary").click()
        assert page.get_by_text("Trong ngày", exact=True).is_visible()
        page.locator(".menu-box > summary").click()
        services.record_heartbeats(
            Scope(user_id=0, everything=True),
            [services.HeartbeatIn(site=site.code, playing=True, buffer_s=10.0)],
            store,
        )
        services.flush(store=store)
        expect(page.locator("[data-now='connected']")).to_have_text("1", timeout=8000)
        assert page.locator("[data-now='connected_pct']").inner_text() == "100 %"
        page.goto(live_server.url + "/")  # the first Tab of a fresh page reaches the skip link
        assert _axe(page) == []
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        assert errors == []
    finally:
        context.close()
