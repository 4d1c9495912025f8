from collections.abc import Iterator

import pytest

from diemcau.questions import engine


@pytest.fixture(autouse=True)
def _fresh_engine() -> Iterator[None]:
    """Each test rolls its database back: the per-process index must not outlive it."""
    engine.reset()
    yield
    engine.reset()
