"""Fixtures shared by the tests under src/ and tests/ (pytest finds this file above both)."""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest


def _pg_admin_args() -> dict[str, Any]:
    """The test database's server and user, connected to its `postgres` maintenance database."""
    from django.db import connection

    s = connection.settings_dict
    return {
        "host": s["HOST"] or "127.0.0.1",
        "port": s["PORT"] or 5432,
        "user": s["USER"],
        "password": s["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }


@pytest.fixture
def spare_database() -> Iterator[Callable[[str], str | None]]:
    """For tests that start real processes on a database of their own: `make(prefix)` creates
    an empty PostgreSQL database `<prefix>_<pid>` beside the test database (same server, same
    user) and returns its DATABASE_URL, dropped after the test. On the SQLite pass it returns
    None: each process then keeps its database file in the data folder it is given."""
    import psycopg
    from django.db import connection

    made: list[str] = []

    def make(prefix: str) -> str | None:
        if connection.vendor != "postgresql":
            return None
        args = _pg_admin_args()
        name = f"{prefix}_{os.getpid()}"
        with psycopg.connect(**args) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        auth = args["user"] + (f":{args['password']}" if args["password"] else "")
        return f"postgres://{auth}@{args['host']}:{args['port']}/{name}"

    yield make
    for name in made:
        with psycopg.connect(**_pg_admin_args()) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Tests hash passwords with MD5: Django's PBKDF2 costs ~0.5-2 s a password on this shared
    2-core machine, and the sign-in and lockout tests hash dozens (70 s for one test in CI).
    The product's hashers are untouched; real-process tests (their own settings) keep them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
