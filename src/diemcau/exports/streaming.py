"""Rows straight from the database in chunks: raw SQL, tuples, no ORM objects on the hot path.

Why raw: at 1.5 million rows Django's per-row machinery (models, converters) costs more than the
query. On PostgreSQL a plain cursor would fetch every row into memory first, so rows come through
a server-side (named) cursor, `chunk` at a time; SQLite's cursor already steps row by row. Two
streams may be open at once (the exporters merge delegates with their check-ins by id).
"""

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection

CHUNK = 20_000
_names = itertools.count(1)


def stream(sql: str, params: Sequence[Any] = (), chunk: int = CHUNK) -> Iterator[tuple[Any, ...]]:
    """Yield the rows of `sql` (with %s placeholders) as tuples, holding at most `chunk`."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        yield from _postgres(sql, params, chunk)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows


def _postgres(sql: str, params: Sequence[Any], chunk: int) -> Iterator[tuple[Any, ...]]:
    raw = connection.connection
    assert raw is not None
    # WITH HOLD outside a transaction (autocommit), as Django's own iterator() does.
    cursor = raw.cursor(name=f"diemcau_export_{next(_names)}", withhold=raw.autocommit)
    try:
        cursor.itersize = chunk
        cursor.execute(sql, list(params))
        while rows := cursor.fetchmany(chunk):
            yield from rows
    finally:
        cursor.close()


def marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))
