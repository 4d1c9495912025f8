"""A fresh data folder starts from a migrated template (dbtemplate.py), as `diemcau up` runs it.

Real processes on real SQLite files: the first fresh folder migrates and leaves the template, the
next one is copied from it and is the same database (tables, triggers, units, migrations
recorded), with nothing left for `migrate` or the units' loader to do.
"""

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from diemcau.dbtemplate import fingerprint

PREPARE = (
    "from diemcau.clikit import setup; setup(); "
    "from diemcau.cli import prepare_database; print(prepare_database())"
)


def _prepare(data: Path, templates: Path, **extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DIEMCAU_DATA_DIR=str(data), DIEMCAU_TEMPLATE_DIR=str(templates), **extra)
    done = subprocess.run(
        [sys.executable, "-c", PREPARE], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _contents(db: Path) -> tuple[list[tuple[str, str]], int, int]:
    with closing(sqlite3.connect(db)) as conn:
        schema = conn.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1, 2"
        ).fetchall()
        units = conn.execute("SELECT count(*) FROM units_unit").fetchone()[0]
        applied = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    return schema, units, applied


def test_a_fresh_data_folder_is_copied_from_the_first_ones_migrated_database(
    tmp_path: Path,
) -> None:
    templates = tmp_path / "templates"
    first = _prepare(tmp_path / "first", templates)
    assert "chép từ bản mẫu" not in first and "3449 mới" in first
    assert [p.suffix for p in templates.iterdir()] == [".sqlite3"]  # no partial copy left

    second = _prepare(tmp_path / "second", templates)
    assert "chép từ bản mẫu đã chuyển đổi" in second and "(0 mới)" in second
    migrated = _contents(tmp_path / "first" / "diemcau.sqlite3")
    copied = _contents(tmp_path / "second" / "diemcau.sqlite3")
    assert copied == migrated and migrated[1] >= 3449
    assert any(kind == "trigger" for kind, _ in copied[0])  # the audit trail's append-only guard

    # A database that exists already is never replaced.
    again = _prepare(tmp_path / "second", templates)
    assert "chép từ bản mẫu" not in again and "(0 mới)" in again


def test_another_migration_gives_another_template(tmp_path: Path) -> None:
    app = tmp_path / "app" / "migrations"
    app.mkdir(parents=True)
    (app / "0001_initial.py").write_text("operations = []\n")
    before = fingerprint(sorted(app.glob("*.py")))
    (app / "0001_initial.py").write_text("operations = []  # changed\n")
    changed = fingerprint(sorted(app.glob("*.py")))
    (app / "0002_more.py").write_text("operations = []\n")
    added = fingerprint(sorted(app.glob("*.py")))
    assert len({before, changed, added}) == 3
