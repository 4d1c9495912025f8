"""One writer at a time on SQLite, handed over without SQLite's busy-wait sleeps.

SQLite has one write lock; a second writer waits in its busy handler, which polls with
growing sleeps (up to 100 ms each). Two granian workers writing check-in batches then lose most
of their time asleep while the lock is long free. An advisory file lock taken before BEGIN
wakes the next writer as soon as the first commits. PostgreSQL needs none of this.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection


@contextmanager
def sqlite_writer() -> Iterator[None]:
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    path = Path(settings.DATA_DIR) / "attendance-write.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def lock_table(table: str, mode: str) -> None:
    """PostgreSQL: a table lock until the transaction ends, for a recount that must see its
    writers' rows all or none (SQLite: one writer at a time already, the caller's)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN {mode} MODE")
