"""The console's browser fixtures (Debian's Chromium through Playwright), reused here."""

import pytest

from diemcau.console.tests.conftest import (  # noqa: F401 - fixtures
    _units_back,
    browser_as,
    chromium,
    units,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium with Playwright (scripts/browsers)"
    )
