import pytest

# Browser fixtures shared with the console's tests: Debian's Chromium, a signed-in context, the
# unit tree for live-server tests (and put back after them).
from diemcau.console.tests.conftest import (  # noqa: F401
    _units_back,
    browser_as,
    chromium,
    units,
)
from diemcau.web.tests.catalogues import compiled_catalogues

__all__ = ["compiled_catalogues"]


@pytest.fixture(autouse=True)
def _catalogues(compiled_catalogues: None) -> None:
    """Report titles and columns are English msgids: the Vietnamese needs the compiled .mo."""


def pytest_configure(config: pytest.Config) -> None:
    # The browser fixtures come from the console's tests, which register this marker too.
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium with Playwright (scripts/browsers)"
    )
