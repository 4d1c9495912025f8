"""Writing checked delegate rows: executemany on SQLite, COPY on PostgreSQL (DESIGN.md).

The import hands over chunks of checked rows while it is still checking the rest of the file,
so memory stays flat however long the file. Everything happens inside the caller's transaction;
the caller rolls it back when the file turns out to be bad.

(A writer thread was tried: sqlite3 releases the GIL inside SQLite, but it must take it back for
every row it binds, and the checking loop holds it for a whole switch interval each time — the
import got slower, not faster.)

Ids are reserved up front (`capacity`, an upper bound: unused ids are a harmless gap) so that
the checking loop can build each row complete — id, code (codes.py), secret — and codes grow
with the id, which keeps the unique index on `code` an append.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.utils import timezone

from diemcau.delegates.models import Delegate

SQLITE_CACHE_KIB = -1_048_576  # up to 1 GiB of page cache while the indexes grow (KiB if < 0)
COLUMNS = (
    "id",
    "code",
    "secret",
    "site_id",
    "province_id",
    "full_name",
    "position",
    "workplace",
    '"group"',
    "phone",
    "email",
    "national_id_hash",
    "national_id_last4",
    "created_at",
    "updated_at",
)
# A row as the INSERT / COPY takes it, in the order of COLUMNS.
Row15 = tuple[int, str, str, int, int | None, str, str, str, str, str, str, str, str, Any, Any]


def random_secrets(count: int) -> list[str]:
    """`count` random 128-bit secrets as 32 hex characters (for the future QR badge)."""
    data = os.urandom(16 * count).hex()
    return [data[i : i + 32] for i in range(0, 32 * count, 32)]


@contextmanager
def without_fk_checks() -> Iterator[None]:
    """SQLite, outside any transaction: skip the per-row foreign-key lookups of a bulk load.

    The import takes every site id from a site index read under the same write lock, so the
    checks could only ever pass; they cost two B-tree lookups per row (~1 s on 1.5 million).
    Inside an outer transaction (tests) SQLite ignores the switch and keeps checking.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    disabled = connection.disable_constraint_checking()
    try:
        yield
    finally:
        if disabled:
            connection.enable_constraint_checking()


def reserve_ids(count: int) -> int:
    """The first of `count` consecutive free ids, ours until the transaction ends.

    SQLite: the write lock is ours since BEGIN IMMEDIATE, so max(id) is stable. PostgreSQL: the
    table lock stops other inserts (reads go on) while the identity sequence is moved past the
    block.
    """
    table = Delegate._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            (sequence,) = cursor.fetchone()
            cursor.execute("SELECT nextval(%s)", [sequence])
            (first,) = cursor.fetchone()
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
            return int(first)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - fixed name
        (top,) = cursor.fetchone()
        if connection.vendor == "sqlite":  # AUTOINCREMENT never reuses the ids of deleted rows
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            top = max(top, found[0] if found else 0)
        return int(top) + 1


class Writer:
    """Takes chunks of checked rows inside an open transaction; use within transaction.atomic().

    When the table is empty (the first big load), the secondary indexes and the unique index on
    the CCCD hash are dropped first and built after the rows, in the same transaction: sorting
    once is much cheaper than inserting 1.5 million random keys one by one (SQLite: ~8 s instead
    of ~13 s). On PostgreSQL the foreign keys go the same way. The import has already checked
    what they enforce, under the same lock; a rollback restores them with the rest.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity  # at least the number of rows that will be put
        self.first_id = 0
        self.now: Any = None
        self.written = 0
        self.site_ids: set[int] = set()  # sites that got delegates: their counts change
        self.timings = {"insert_s": 0.0, "indexes_s": 0.0}
        self._table = Delegate._meta.db_table
        self._names = ", ".join(COLUMNS)
        self._vendor = connection.vendor
        self._rebuild: list[str] = []
        self._old_cache: int | None = None

    def __enter__(self) -> "Writer":
        if self._vendor == "sqlite":
            raw = connection.connection
            assert raw is not None
            self.first_id = reserve_ids(self.capacity)
            (old_cache,) = raw.execute("PRAGMA cache_size").fetchone()
            self._old_cache = int(old_cache)
            raw.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
            self.now = connection.ops.adapt_datetimefield_value(timezone.now())
            if raw.execute(f"SELECT 1 FROM {self._table} LIMIT 1").fetchone() is None:  # noqa: S608
                self._drop_indexes()
        else:
            self.first_id = reserve_ids(max(self.capacity, 1))  # also locks the table (PG)
            self.now = timezone.now()
            if self._vendor == "postgresql" and not Delegate.objects.exists():
                self._drop_indexes()
                self._drop_foreign_keys()
        return self

    def __exit__(self, *exc: object) -> None:
        raw = connection.connection
        try:
            if self._rebuild and exc[0] is None:
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    if self._vendor == "postgresql":
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                    for sql in self._rebuild:
                        cursor.execute(sql)
                self.timings["indexes_s"] += time.perf_counter() - started
        finally:
            if raw is not None and self._old_cache is not None:
                raw.execute(f"PRAGMA cache_size = {self._old_cache}")

    def put(self, rows: list[Row15]) -> None:
        """Write rows built with ids from `first_id` on (importing._check_rows builds them)."""
        if not rows:
            return
        self.written += len(rows)
        self.site_ids.update(row[3] for row in rows)
        started = time.perf_counter()
        try:
            self._put(rows)
        finally:
            self.timings["insert_s"] += time.perf_counter() - started

    def _put(self, rows: list[Row15]) -> None:
        if self._vendor == "sqlite":
            raw = connection.connection
            assert raw is not None
            placeholders = ", ".join(["?"] * len(COLUMNS))
            sql = f"INSERT INTO {self._table} ({self._names}) VALUES ({placeholders})"  # noqa: S608
            raw.executemany(sql, rows)
        elif self._vendor == "postgresql":
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {self._table} ({self._names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:  # pragma: no cover - other backends
            placeholders = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {self._table} ({self._names}) VALUES ({placeholders})"  # noqa: S608
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)

    def _drop_foreign_keys(self) -> None:
        """PostgreSQL: drop the FK constraints, to be added back (and checked in one join each).

        Django's FKs are DEFERRABLE INITIALLY DEFERRED: checked row by row at commit, which took
        ~10 s for 1.5 million rows. Adding a constraint back validates it in one pass instead.
        """
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # Checks still pending in an enclosing transaction would block the ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            found = connection.introspection.get_constraints(cursor, self._table)
            for name, info in found.items():
                target = info.get("foreign_key")
                columns = info.get("columns") or []
                if not target or len(columns) != 1:
                    continue
                column = columns[0]
                to_table, to_column = target
                self._rebuild.append(
                    f"ALTER TABLE {quote(self._table)} ADD CONSTRAINT {quote(name)} "
                    f"FOREIGN KEY ({quote(column)}) REFERENCES {quote(to_table)} "
                    f"({quote(to_column)}) DEFERRABLE INITIALLY DEFERRED"
                )
                cursor.execute(f"ALTER TABLE {quote(self._table)} DROP CONSTRAINT {quote(name)}")

    def _drop_indexes(self) -> None:
        """Drop the named indexes of Delegate and keep the SQL that builds them again."""
        editor = connection.schema_editor()  # only renders SQL: not entered, runs nothing
        meta = Delegate._meta
        with connection.cursor() as cursor:
            for item in [*meta.indexes, *meta.constraints]:
                create = item.create_sql(Delegate, editor)
                self._rebuild.append(str(create))
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(item.name)}")
