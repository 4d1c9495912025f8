"""Make sure the Vietnamese catalogues are compiled before page tests look for Vietnamese text.

The setup script compiles them; a fresh checkout running only pytest gets them compiled here
once per session, so a test never passes or fails because of a stale or missing .mo file.
"""

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.translation import trans_real

PACKAGE = Path(__file__).resolve().parents[2]  # src/diemcau
APPS = tuple(sorted(p.parents[3].name for p in PACKAGE.glob("*/locale/vi/LC_MESSAGES/django.po")))
# The apps' catalogues, and the project's (LOCALE_PATHS: words that must win over Django's own,
# and Django's messages its Vietnamese catalogue lacks).
CATALOGUES = [PACKAGE / app / "locale" / "vi" / "LC_MESSAGES" / "django.po" for app in APPS]
CATALOGUES.append(PACKAGE / "locale" / "vi" / "LC_MESSAGES" / "django.po")


def _stale() -> list[Path]:
    stale = []
    for po in CATALOGUES:
        mo = po.with_suffix(".mo")
        assert po.exists(), f"missing catalogue {po}"
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(mo)
    return stale


@pytest.fixture(scope="session")
def compiled_catalogues() -> Iterator[None]:
    if _stale():
        with contextlib.chdir(PACKAGE):  # compilemessages walks the working directory
            call_command("compilemessages", locale=["vi"], verbosity=0)
        trans_real._translations = {}  # forget catalogues loaded before the compile
        trans_real._default = None
        trans_real.translation_catalog_exists.cache_clear()
    missing = _stale()
    assert not missing, (
        f"could not compile {missing}; run: cd src/diemcau && diemcau manage compilemessages"
    )
    yield
