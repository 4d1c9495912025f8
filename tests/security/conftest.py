"""The permission table's world: built once for the module, rolled back at its end.

Building it per test would cost seconds each; every request of the table runs in a savepoint that
is rolled back (harness.call), so one world serves every row and every identity.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test.utils import override_settings

from .world import World, build


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    from diemcau.operations import api as operations_api
    from diemcau.operations import livestate
    from diemcau.operations import services as operations_services
    from diemcau.questions import engine
    from diemcau.units.models import Unit
    from diemcau.units.services import load_units

    data: Path = tmp_path_factory.mktemp("permission-table")
    with (
        django_db_blocker.unblock(),
        override_settings(
            DATA_DIR=data,
            DIEMCAU_TASKS_INLINE=True,  # exports and batches finish inside the request
            DIEMCAU_2FA_ROLES=[],  # sign-in is not what this table is about
            DIEMCAU_LIVE_FLUSHER=False,  # no heartbeat flusher thread outliving the module
            # Five people with passwords: the fast hasher saves ~2.5 s of PBKDF2.
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        engine.reset()
        operations_services.site_cache.clear()
        operations_api.bearer.clear()
        livestate.set_store(livestate.MemoryStore())
        with transaction.atomic():
            if not Unit.objects.exists():  # the tree, when this module runs alone
                load_units()
            try:
                yield build()
            finally:
                transaction.set_rollback(True)
        engine.reset()
        operations_services.site_cache.clear()
        operations_api.bearer.clear()
        livestate.set_store(None)
