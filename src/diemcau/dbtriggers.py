"""Shared by the tables the database keeps with triggers (questions' tallies and search
documents, attendance's per-minute counter): run a list of statements, and list what is there.

Each owner says which names it expects and compares with `present`; extra names never hurt.
"""

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper


def run(conn: BaseDatabaseWrapper, statements: Sequence[str]) -> None:
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def present(conn: BaseDatabaseWrapper) -> set[str]:
    """Names of the user triggers (PostgreSQL), or of the triggers, tables and indexes (SQLite,
    where an owner also checks for its FTS table or unique index)."""
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'table', 'index')"
            )
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}
