import pytest

from diemcau.web.tests.catalogues import compiled_catalogues

__all__ = ["compiled_catalogues"]


@pytest.fixture(autouse=True)
def _catalogues(compiled_catalogues: None) -> None:
    """Every page test sees the compiled Vietnamese catalogues."""
