"""Walkthrough fixtures: Debian's Chromium (the console's fixture, shared) against pytest-django's
live server, and a sign-in ready world."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test.utils import override_settings

from diemcau.console.tests.conftest import chromium  # noqa: F401  (a fixture, shared)

from .walk import DESKTOP, Walk, out_dir


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium with Playwright (scripts/browsers)"
    )


@pytest.fixture
def fast_passwords() -> Iterator[None]:
    # People sign in with passwords here: the fast hasher saves seconds of PBKDF2 per person.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def walk_as(
    chromium: Any,  # noqa: F811
    live_server: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Walk]]:
    """walk_as(role, viewport=DESKTOP) → a Walk in a fresh browser context (Vietnamese, Hà Nội
    time), photographed under the role's own folder."""
    contexts: list[Any] = []
    root: Path = tmp_path_factory.getbasetemp()

    def make(role: str, viewport: dict[str, int] = DESKTOP) -> Walk:
        context = chromium.new_context(
            locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=viewport
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return Walk(context.new_page(), live_server.url, out_dir(root, role))

    yield make
    for context in contexts:
        context.close()
