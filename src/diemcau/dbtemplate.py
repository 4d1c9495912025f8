"""A fresh embedded database from a template: `diemcau up` on an empty data folder copies a
migrated database with the administrative units in it instead of running every migration again.

Running the ~100 migrations of Django, the libraries and diemcau on an empty SQLite database costs
~5 s of CPU, nearly all of it Django rendering the models' state between operations (not SQL), and
20–40 s on a busy 2-core machine; copying a file of a few MB costs milliseconds. The first fresh
start on a machine migrates as before and keeps the result (after the units are loaded) in a
template cache; every later fresh data folder starts from the copy, then `migrate` and the units'
loader run as usual and find nothing left to do.

A template is named after a fingerprint of every installed app's migration files (their names and
bytes) and Django's version, so a new or changed migration never reuses an old one. Only the
embedded SQLite database is templated, and only when its file does not exist yet: an existing
database, or PostgreSQL (DATABASE_URL), is never touched. The template holds what the migrations
and the units' loader write (schema, triggers, content types, permissions, the seeded sectors,
the units): nothing secret or particular to one installation.

The cache is DIEMCAU_TEMPLATE_DIR, else $XDG_CACHE_HOME/diemcau (~/.cache/diemcau);
DIEMCAU_TEMPLATE=0 turns it off. A cache that cannot be written is skipped silently: the start is
then as slow as before.
"""

import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from importlib import import_module
from pathlib import Path

import django


def enabled() -> bool:
    return os.environ.get("DIEMCAU_TEMPLATE", "1").strip().lower() not in ("0", "false", "no", "")


def cache_dir() -> Path:
    explicit = os.environ.get("DIEMCAU_TEMPLATE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "diemcau"


def migration_files() -> list[Path]:
    """Every installed app's migration modules (files), in a stable order."""
    from django.apps import apps

    files: list[Path] = []
    for config in apps.get_app_configs():
        try:
            package = import_module(f"{config.name}.migrations")
        except ImportError:
            continue
        folder = Path(package.__file__ or "").parent
        files += sorted(folder.glob("*.py"))
    return files


def fingerprint(files: Iterable[Path]) -> str:
    """Names and bytes of `files`, with Django's version: any change gives another name."""
    digest = hashlib.sha256(django.get_version().encode())
    for path in files:
        digest.update(f"\0{path.parent.parent.name}/{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _database() -> Path | None:
    """The embedded database's file, or None when the database is not SQLite on a file."""
    from django.conf import settings

    config = settings.DATABASES["default"]
    if "sqlite3" not in str(config["ENGINE"]):
        return None
    name = str(config["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def template_path() -> Path:
    return cache_dir() / f"diemcau-{fingerprint(migration_files())}.sqlite3"


def fresh() -> bool:
    """The embedded database does not exist yet (a template could be used or made for it)."""
    db = _database()
    return enabled() and db is not None and not db.exists()


def restore() -> bool:
    """Copy the matching template into place when the embedded database does not exist yet;
    whether it was copied."""
    db = _database()
    if not enabled() or db is None or db.exists():
        return False
    template = template_path()
    if not template.is_file():
        return False
    from django.db import connections

    connections["default"].close()  # nothing may hold the file being created
    for leftover in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    partial = db.with_name(f".{db.name}.{os.getpid()}.part")
    shutil.copyfile(template, partial)
    partial.replace(db)
    return True


def save() -> Path | None:
    """Keep the embedded database, as it is now, as the template for its migrations; the
    template's path, or None when there is no cache to write to."""
    from django.db import connections

    db = _database()
    if not enabled() or db is None or not db.exists():
        return None
    target = template_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(handle)
    except OSError:
        return None
    connection = connections["default"]
    connection.ensure_connection()
    try:
        # The backup API copies a consistent database (WAL pages included), page by page.
        with sqlite3.connect(name) as copy:
            connection.connection.backup(copy)
        copy.close()
        Path(name).replace(target)
    except (OSError, sqlite3.Error):
        Path(name).unlink(missing_ok=True)
        return None
    return target
