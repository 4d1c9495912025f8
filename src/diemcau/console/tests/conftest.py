"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium (or DIEMCAU_CHROMIUM),
which scripts/browsers installs. Without that binary the browser tests are skipped, loudly; no
other reason skips them.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from diemcau.units.models import Unit
from diemcau.units.services import load_units

CHROMIUM = Path(os.environ.get("DIEMCAU_CHROMIUM", "/usr/bin/chromium"))
_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium with Playwright (scripts/browsers)"
    )


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser per test module; Playwright's event loop ends with it.

    While Playwright runs, its asyncio loop sits in this thread and Django would refuse every
    database call as "from an async context"; the tests here are plain sync code, so that guard
    is lifted for the module only.
    """
    if not CHROMIUM.is_file():
        pytest.skip(
            f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}. Run scripts/browsers "
            "(apt-get install chromium) or set DIEMCAU_CHROMIUM."
        )
    from playwright.sync_api import sync_playwright

    saved = os.environ.get(_ASYNC_UNSAFE)
    os.environ[_ASYNC_UNSAFE] = "true"
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
            os.environ.pop(_ASYNC_UNSAFE, None)
        else:
            os.environ[_ASYNC_UNSAFE] = saved


@pytest.fixture(scope="module", autouse=True)
def _units_back(django_db_blocker: Any) -> Iterator[None]:
    """A live-server test empties every table when it ends: put the shared tree back for the
    tests after this module (a module fixture tears down after the last test's flush)."""
    yield
    with django_db_blocker.unblock():
        if not Unit.objects.exists():
            load_units()


@pytest.fixture
def units(transactional_db: None) -> None:
    """The tree for a live-server test (the previous one's flush removed it)."""
    if not Unit.objects.exists():
        load_units()


@pytest.fixture
def browser_as(chromium: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """browser_as(user) → a fresh browser context signed in as that user (session cookie)."""
    contexts: list[Any] = []

    def make(user: Any) -> Any:
        client = Client()
        client.force_login(user)
        context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        context.set_default_timeout(10_000)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
