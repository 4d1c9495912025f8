"""Valid check-ins per (session, minute), kept by the database itself: the national curve.

The reports' check-ins-over-time curve grouped every valid check-in by the minute of its scan:
one pass over the whole check-in table (no index serves it), 1.6 s at 3 million check-ins on a
quiet PostgreSQL and the only part of the national report that grows with the delegates (the
other tables read per-site counters). `CheckInMinute` holds the same counts, so the nation's
curve reads a few hundred rows instead.

Triggers on the check-in table keep it, whatever writes check-ins (the check-in batch, an
annulment, a bulk load, a restore's re-count): a minute moves by +1 for each valid row
inserted, −1 for each valid row deleted, and by the difference when an update makes a row
valid or not (an annulment) or moves its session or scan time.

- PostgreSQL: one statement-level trigger per event, over its transition table, appends one
  row per (session, minute) the statement touched. Writers only ever insert, so two check-in
  batches never wait on each other for a counter row (a shared "minute" row would queue every
  batch of the peak behind one lock). `per_minute` adds the rows up and, when they have piled
  up, folds them into one row per minute (`fold`: delete and re-insert their sum in one
  statement, exact under concurrent writers and folders).
- SQLite: one writer at a time, so row triggers keep exactly one row per (session, minute) by
  upsert (a unique index made with the triggers).

The minute is computed with the same expression as `timeline.EpochMinute`, so the counts equal
a GROUP BY over the check-ins. As for the question tallies (questions/upkeep.py), the SQLite
triggers are dropped before `migrate` and put back after it, and an install that finds them
missing recounts the table from the check-ins (`retally`).
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Sum

from diemcau.attendance.models import CheckIn, CheckInMinute
from diemcau.dbtriggers import present, run

TABLE = CheckInMinute._meta.db_table
CHECKINS = CheckIn._meta.db_table
TRIGGERS = ("attendance_minute_insert", "attendance_minute_update", "attendance_minute_delete")
SQLITE_UNIQUE = "attendance_minute_one"
# Fold when the rows read are more than this many per minute (and more than FOLD_MIN_ROWS).
FOLD_RATIO = 4
FOLD_MIN_ROWS = 2_000

_PG_MINUTE = "CAST(FLOOR(EXTRACT(EPOCH FROM scanned_at) / 60) AS INTEGER)"
_SQLITE_MINUTE = "(unixepoch({row}.scanned_at) / 60)"

# Plain strings: no value is ever formatted into this SQL.
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION attendance_minute_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO {TABLE} (session_id, minute, n)
  SELECT session_id, {_PG_MINUTE}, COUNT(*) FROM added
  WHERE annulled_at IS NULL GROUP BY 1, 2;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",  # noqa: S608 - model table names only
    f"""CREATE OR REPLACE FUNCTION attendance_minute_delete() RETURNS trigger AS $$
BEGIN
  INSERT INTO {TABLE} (session_id, minute, n)
  SELECT session_id, {_PG_MINUTE}, -COUNT(*) FROM removed
  WHERE annulled_at IS NULL GROUP BY 1, 2;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",  # noqa: S608 - model table names only
    f"""CREATE OR REPLACE FUNCTION attendance_minute_update() RETURNS trigger AS $$
BEGIN
  INSERT INTO {TABLE} (session_id, minute, n)
  SELECT session_id, minute, SUM(d) FROM (
    SELECT session_id, {_PG_MINUTE} AS minute, -1 AS d FROM before_rows
    WHERE annulled_at IS NULL
    UNION ALL
    SELECT session_id, {_PG_MINUTE} AS minute, 1 AS d FROM after_rows
    WHERE annulled_at IS NULL
  ) changed GROUP BY 1, 2 HAVING SUM(d) <> 0;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",  # noqa: S608 - model table names only
    f"DROP TRIGGER IF EXISTS attendance_minute_insert ON {CHECKINS}",
    f"""CREATE TRIGGER attendance_minute_insert AFTER INSERT ON {CHECKINS}
REFERENCING NEW TABLE AS added FOR EACH STATEMENT
EXECUTE FUNCTION attendance_minute_insert()""",
    f"DROP TRIGGER IF EXISTS attendance_minute_delete ON {CHECKINS}",
    f"""CREATE TRIGGER attendance_minute_delete AFTER DELETE ON {CHECKINS}
REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
EXECUTE FUNCTION attendance_minute_delete()""",
    f"DROP TRIGGER IF EXISTS attendance_minute_update ON {CHECKINS}",
    f"""CREATE TRIGGER attendance_minute_update AFTER UPDATE ON {CHECKINS}
REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows FOR EACH STATEMENT
EXECUTE FUNCTION attendance_minute_update()""",
]


def _sqlite_add(row: str) -> str:
    minute = _SQLITE_MINUTE.format(row=row)
    # The WHERE keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
    return (
        f"INSERT INTO {TABLE} (session_id, minute, n) "
        f"SELECT {row}.session_id, {minute}, 1 WHERE {row}.annulled_at IS NULL "
        f"ON CONFLICT (session_id, minute) DO UPDATE SET n = n + excluded.n;"
    )


def _sqlite_take(row: str) -> str:
    """A valid check-in leaves its minute: that minute's row exists (its arrival made it, or the
    recount did), so an UPDATE suffices. An upsert here broke Django's test flush on SQLite: it
    deletes table by table in a random order, and a check-in deleted after the counter's table
    inserted a row naming a session deleted next, which the deferred foreign key refused."""
    minute = _SQLITE_MINUTE.format(row=row)
    return (
        f"UPDATE {TABLE} SET n = n - 1 WHERE {row}.annulled_at IS NULL "  # noqa: S608 - model names
        f"AND session_id = {row}.session_id AND minute = {minute};"
    )


SQLITE = [
    f"CREATE UNIQUE INDEX IF NOT EXISTS {SQLITE_UNIQUE} ON {TABLE} (session_id, minute)",
    f"""CREATE TRIGGER IF NOT EXISTS attendance_minute_insert AFTER INSERT ON {CHECKINS}
BEGIN {_sqlite_add("NEW")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS attendance_minute_delete AFTER DELETE ON {CHECKINS}
BEGIN {_sqlite_take("OLD")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS attendance_minute_update
AFTER UPDATE OF annulled_at, session_id, scanned_at ON {CHECKINS}
BEGIN {_sqlite_take("OLD")} {_sqlite_add("NEW")} END""",
]


def installed(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Whether the triggers are in place (always "yes" on a database without them)."""
    conn = conn or connection
    if conn.vendor not in ("sqlite", "postgresql"):
        return True
    expected = {*TRIGGERS, SQLITE_UNIQUE} if conn.vendor == "sqlite" else set(TRIGGERS)
    return expected <= present(conn)


def recount(
    session_ids: Sequence[int] | None = None, conn: BaseDatabaseWrapper | None = None
) -> None:
    """Recount these sessions' minutes (None: the whole table) from their check-ins: the install
    and `diemcau counters rebuild` (whose caller holds the check-in table still, recount.py).
    The triggers go on from here."""
    conn = conn or connection
    ids = None if session_ids is None else list(session_ids)
    if ids == []:
        return
    minute = _PG_MINUTE if conn.vendor == "postgresql" else _SQLITE_MINUTE.format(row=CHECKINS)
    only, params = "", []
    if ids is not None:
        only, params = f"session_id IN ({', '.join(['%s'] * len(ids))})", ids
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}" + (f" WHERE {only}" if only else ""), params)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {TABLE} (session_id, minute, n) "  # noqa: S608 - model table names
            f"SELECT session_id, {minute}, COUNT(*) FROM {CHECKINS} "
            "WHERE annulled_at IS NULL" + (f" AND {only}" if only else "") + " GROUP BY 1, 2",
            params,
        )


def minute_start(minute: int) -> dt.datetime:
    """The UTC moment a counter's minute (minutes since the epoch) begins."""
    return dt.datetime.fromtimestamp(int(minute) * 60, tz=dt.UTC)


def retally(conn: BaseDatabaseWrapper | None = None) -> None:
    """Recount the table from the check-ins (the triggers keep it from then on)."""
    recount(None, conn)


def install(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Create the triggers when missing and recount: True when it did something.

    On PostgreSQL CREATE TRIGGER locks the check-in table against writers until the recount
    commits, so no check-in falls between the recount and the first trigger call."""
    conn = conn or connection
    if conn.vendor not in ("sqlite", "postgresql"):
        return False
    tables = conn.introspection.table_names()
    if TABLE not in tables or CHECKINS not in tables:
        return False  # migrated back before the counter existed
    if installed(conn):
        return False
    with transaction.atomic(using=conn.alias):
        if conn.vendor == "postgresql":
            # Deferred foreign-key checks would make PostgreSQL refuse to alter the triggers of a
            # table this transaction has just written to.
            run(conn, ["SET CONSTRAINTS ALL IMMEDIATE"])
            run(conn, POSTGRES)
            retally(conn)
        else:
            run(conn, [f"DROP INDEX IF EXISTS {SQLITE_UNIQUE}"])
            retally(conn)  # one row per minute before the unique index
            run(conn, SQLITE)
    return True


def uninstall(conn: BaseDatabaseWrapper | None = None) -> None:
    """Drop the SQLite triggers: SQLite refuses to rename a table a migration rebuilds while a
    trigger names it. `install` puts them back and recounts."""
    conn = conn or connection
    if conn.vendor == "sqlite":
        run(conn, [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS])


def before_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    uninstall(connections[using])


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    install(connections[using])


def fold(session_ids: Sequence[int] | None = None) -> None:
    """PostgreSQL: one row per (session, minute) again, in one statement.

    The DELETE sees the rows committed when it starts; a writer's later rows stay for the next
    fold. Two folders at once: the second waits on the rows the first deletes and then skips
    them, so every row is added into exactly one sum."""
    if connection.vendor != "postgresql":
        return
    where, params = "", []
    if session_ids is not None:
        where, params = "WHERE session_id = ANY(%s)", [list(session_ids)]
    sql = (
        f"WITH gone AS (DELETE FROM {TABLE} {where} "  # noqa: S608 - model table name
        "RETURNING session_id, minute, n) "
        f"INSERT INTO {TABLE} (session_id, minute, n) "
        "SELECT session_id, minute, SUM(n) FROM gone GROUP BY 1, 2 HAVING SUM(n) <> 0"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def session_list(sessions: int | Sequence[int] | None) -> list[int] | None:
    """One session, several (a conference's), or None for every check-in in the database."""
    if sessions is None:
        return None
    return [sessions] if isinstance(sessions, int) else list(sessions)


def per_minute(sessions: int | Sequence[int] | None) -> dict[dt.datetime, int]:
    """Valid check-ins by UTC minute of their scan, in one session, several or all: the same
    figures as grouping every check-in (timeline.checkins_per_minute for the nation)."""
    ids = session_list(sessions)
    qs = CheckInMinute.objects.all()
    if ids is not None:
        qs = qs.filter(session_id__in=ids)
    rows = list(qs.values("minute").annotate(total=Sum("n"), parts=Count("pk")).order_by("minute"))
    if connection.vendor == "postgresql":
        parts = sum(r["parts"] for r in rows)
        if parts > max(FOLD_MIN_ROWS, FOLD_RATIO * len(rows)):
            fold(ids)
    return {minute_start(r["minute"]): int(r["total"]) for r in rows if r["total"]}
