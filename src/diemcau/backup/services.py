"""Back up and restore a diemcau server.

One archive (`.tar`) holds:

- `manifest.json`: format, engine, when, the migrations applied, and the row counts of the main
  tables *in the snapshot itself* (so a restore can prove it got what was saved);
- the database: on SQLite a copy made with SQLite's online backup API (a consistent snapshot
  while the server keeps writing; WAL readers do not block writers); on PostgreSQL a
  `pg_dump --format=custom` taken on a snapshot exported by the transaction that counts the rows,
  so the dump and the manifest are the same instant;
- `files/`: the data folder's files that cannot be rebuilt (secret key, certificate key,
  materials, learning reports, certificate templates). Files made from the database (badges,
  exports, certificates' PDFs, uploads in flight, logs, locks) are left out.

The secret key matters: national-ID hashes and badge MACs are keyed by it (unless set by
environment), so a database restored without it cannot match a CCCD or verify a badge.
"""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from diemcau.errors import DomainError

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"
# Data-folder entries made from the database or in flight: not worth a byte of the archive.
SKIP = {
    "badges",
    "exports",
    "uploads",
    "agent",
    "attendance-write.lock",
}
SKIP_SUFFIXES = (".log", ".lock", ".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".pid")
# The tables whose counts a restore is checked against (and a person reads in the manifest).
COUNTED = [
    "sites_site",
    "delegates_delegate",
    "attendance_checkin",
    "attendance_headcount",
    "questions_question",
    "assessment_attempt",
    "assessment_certificate",
    "audit_entry",
    "auth_user",
]

Progress = Callable[[int, int], None]


class BackupError(DomainError):
    """A backup or restore that cannot go on; the message says why, in Vietnamese."""


@dataclass
class Manifest:
    format: int
    engine: str
    created_at: str
    migrations: dict[str, str]
    counts: dict[str, int]
    files: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, data: dict[str, Any]) -> "Manifest":
        if data.get("format") != FORMAT:
            raise BackupError(
                _("This backup was written in format %(f)s; this version reads format %(ok)s.")
                % {"f": data.get("format"), "ok": FORMAT}
            )
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def _data_dir() -> Path:
    return Path(settings.DATA_DIR)


def _kept_files(root: Path) -> Iterator[Path]:
    """The data folder's files worth keeping, relative to it, in a stable order."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in SKIP or path.name.endswith(SKIP_SUFFIXES) or not path.is_file():
            continue
        yield rel


def _migrations(cursor: Any) -> dict[str, str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        latest[app] = name
    return latest


def _counts(cursor: Any, tables: set[str]) -> dict[str, int]:
    counts = {}
    for table in COUNTED:
        if table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - fixed names
            counts[table] = int(cursor.fetchone()[0])
    return counts


# -- back up ---------------------------------------------------------------------------------
def backup(out: Path, progress: Progress | None = None) -> Manifest:
    """Write the archive to `out` (atomically: a half-written archive never has the name)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="diemcau-backup-", dir=out.parent) as work:
        folder = Path(work)
        if connection.vendor == "sqlite":
            manifest = _sqlite_snapshot(folder / SQLITE_NAME, progress)
            db_name = SQLITE_NAME
        elif connection.vendor == "postgresql":
            manifest = _pg_snapshot(folder / PG_NAME)
            db_name = PG_NAME
        else:
            raise BackupError(_("Backups support SQLite and PostgreSQL only."))
        root = _data_dir()
        manifest.files = [str(rel) for rel in _kept_files(root)]
        (folder / MANIFEST).write_text(
            json.dumps(manifest.__dict__, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(folder / MANIFEST, MANIFEST)
            tar.add(folder / db_name, db_name)
            for rel in manifest.files:
                tar.add(root / rel, f"files/{rel}")
        partial.chmod(0o600)  # it holds personal data and the keys
        partial.replace(out)
    return manifest


def _sqlite_snapshot(target: Path, progress: Progress | None) -> Manifest:
    source_name = str(connection.settings_dict["NAME"])
    with closing(sqlite3.connect(source_name, timeout=30)) as source:
        with closing(sqlite3.connect(target)) as copy:

            def step(status: int, remaining: int, total: int) -> None:
                if progress:
                    progress(total - remaining, total)

            # All pages in one step: a snapshot of one instant (a stepwise copy restarts each
            # time the server writes, and might never end on the day).
            source.backup(copy, pages=-1, progress=step)
        with closing(sqlite3.connect(target)) as copy:
            cursor = copy.cursor()
            tables = {
                r[0] for r in cursor.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            return Manifest(
                format=FORMAT,
                engine="sqlite",
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                migrations=_migrations(cursor),
                counts=_counts(cursor, tables),
            )


def _pg_env() -> dict[str, str]:
    s = connection.settings_dict
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", s.get("HOST")),
        ("PGPORT", s.get("PORT")),
        ("PGUSER", s.get("USER")),
        ("PGPASSWORD", s.get("PASSWORD")),
        ("PGDATABASE", s.get("NAME")),
    ):
        if value:
            env[key] = str(value)
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            _("%(tool)s is not installed (apt-get install postgresql-client).") % {"tool": name}
        )
    return found


def _pg_snapshot(target: Path) -> Manifest:
    """Count and dump one exported snapshot: the manifest tells exactly what the dump holds."""
    pg_dump = _pg_tool("pg_dump")
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = {r[0] for r in cursor.fetchall()}
            manifest = Manifest(
                format=FORMAT,
                engine="postgresql",
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                migrations=_migrations(cursor),
                counts=_counts(cursor, tables),
            )
            done = subprocess.run(  # noqa: S603 - fixed argv
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    "-f",
                    str(target),
                ],
                env=_pg_env(),
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            cursor.execute("ROLLBACK")
    if done.returncode != 0:
        raise BackupError(_("pg_dump failed: %(err)s") % {"err": done.stderr.strip()[:500]})
    return manifest


# -- restore ---------------------------------------------------------------------------------
def read_manifest(archive: Path) -> Manifest:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest.read(json.loads(member.read().decode("utf-8")))
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(
            _("%(file)s is not a diemcau backup (%(why)s).") % {"file": archive.name, "why": exc}
        ) from exc


@contextmanager
def _unpacked(archive: Path) -> Iterator[Path]:
    with (
        tempfile.TemporaryDirectory(prefix="diemcau-restore-") as work,
        tarfile.open(archive) as tar,
    ):
        tar.extractall(work, filter="data")  # refuses absolute paths, .. and links out
        yield Path(work)


def _has_data() -> bool:
    tables = connection.introspection.table_names()
    if "django_migrations" not in tables:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations")
        return bool(cursor.fetchone()[0])


def restore(archive: Path, *, force: bool = False) -> Manifest:
    """Restore the archive into this server's database and data folder.

    Refuses a database that already holds data unless `force` (a restore replaces everything).
    The server must be stopped: on SQLite the database file is replaced.
    """
    manifest = read_manifest(archive)
    if manifest.engine != connection.vendor:
        raise BackupError(
            _("This backup is of a %(saved)s database; this server uses %(here)s.")
            % {"saved": manifest.engine, "here": connection.vendor}
        )
    if not force and _has_data():
        raise BackupError(
            _(
                "The database of this server already holds data; a restore would replace it. "
                "Restore into an empty data folder / database, or add --force."
            )
        )
    root = _data_dir()
    with _unpacked(archive) as work:
        if manifest.engine == "sqlite":
            _restore_sqlite(work / SQLITE_NAME)
        else:
            _restore_pg(work / PG_NAME)
        for rel in manifest.files:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copy2(work / "files" / rel, target)
    found = counts_now()
    wrong = {t: (n, found.get(t)) for t, n in manifest.counts.items() if found.get(t) != n}
    if wrong:
        raise BackupError(
            _("The restored database does not hold what the backup says: %(wrong)s")
            % {"wrong": ", ".join(f"{t} {a}≠{b}" for t, (a, b) in wrong.items())}
        )
    return manifest


def _restore_sqlite(saved: Path) -> None:
    target = Path(str(connection.settings_dict["NAME"]))
    connection.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Through SQLite's backup API again: the file comes out whole and in the server's format.
    with closing(sqlite3.connect(saved)) as source, closing(sqlite3.connect(target)) as dest:
        source.backup(dest)
    target.chmod(0o600)


def _restore_pg(dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    connection.close()
    done = subprocess.run(  # noqa: S603 - fixed argv
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            str(connection.settings_dict["NAME"]),
            str(dump),
        ],
        env=_pg_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(_("pg_restore failed: %(err)s") % {"err": done.stderr.strip()[:500]})


def counts_now() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        return _counts(cursor, tables)
