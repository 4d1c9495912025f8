"""Backup and restore of a 3-million-delegate database: time and size (`diemcau backup`,
`diemcau restore`), on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_backup.py                                 # SQLite, 35k / 3 M
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale \\
        .venv/bin/python bench/bench_backup.py                            # PostgreSQL
    .venv/bin/python bench/bench_backup.py --sites 500 --delegates 20000  # a small run
    .venv/bin/python bench/bench_backup.py --existing \\
        --database-url postgres://postgres@127.0.0.1:5432/bench_scale_killed \\
        --data-dir /tmp/bench_scale/work/killed/data          # a database bench_scaleout kept

A throwaway data folder (and, with DATABASE_URL, a throwaway PostgreSQL database beside the
named one) gets the stage `diemcau simulate` prepares (`--sites` sites, `--delegates` delegates
with their badges, a live session) and a check-in for 93 % of the delegates, written in bulk;
or, with --existing, the database and data folder given are used as they are (read only: the
backup is a snapshot). Then, as an operator runs them: `diemcau backup -o …` (time, archive
size, the database's own size beside it), and `diemcau restore` into a fresh data folder (and
a fresh database), which checks every table's row count against the backup's manifest.
JSON: stdout and bench/results/backup.json (one entry per database, and one for --existing).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from common import add_out_argument, save, throwaway_data  # noqa: E402 - a sibling module of this script

DIEMCAU = str(ROOT / ".venv" / "bin" / "diemcau")
PRESENT = 0.93


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _diemcau(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - fixed argv
        [DIEMCAU, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"diemcau {args[0]}: {done.stdout}{done.stderr}")
    return round(time.perf_counter() - started, 1), done.stdout.strip()


def build(sites: int, delegates: int) -> dict[str, Any]:
    """The simulation's stage, and the day's check-ins in bulk."""
    import django

    django.setup()
    from bench_assessment import _prep, insert
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from diemcau.attendance.models import CheckIn
    from diemcau.delegates.models import Delegate
    from diemcau.simulation.prepare import prepare
    from diemcau.units.services import load_units

    call_command("migrate", interactive=False, verbosity=0)
    load_units()
    started = time.perf_counter()
    stage = prepare(sites, delegates, 2025)
    now = timezone.now()
    t = _prep(CheckIn, "scanned_at")(now)
    as_uuid = _prep(CheckIn, "id")
    people = list(Delegate.objects.order_by("pk").values_list("pk", "site_id"))
    columns = ["id", "delegate_id", "session_id", "site_id", "other_site", "manual",
               "scanned_at", "received_at"]  # fmt: skip
    checked_in = insert(
        CheckIn,
        columns,
        (
            (as_uuid(uuid.uuid4()), pk, stage.session_id, site, False, False, t, t)
            for i, (pk, site) in enumerate(people)
            if i % 100 < PRESENT * 100
        ),
    )
    connection.close()
    return {"build_s": round(time.perf_counter() - started, 1), "check_ins": checked_in}


def _database_bytes(env: dict[str, str]) -> int:
    code = (
        "from django.db import connection as c\n"
        "if c.vendor == 'postgresql':\n"
        "    cur = c.cursor(); cur.execute('SELECT pg_database_size(current_database())')\n"
        "    print(cur.fetchone()[0])\n"
        "else:\n"
        "    import os; print(os.path.getsize(c.settings_dict['NAME']))\n"
    )
    _s, out = _diemcau(env, "manage", "shell", "-c", code)
    return int(out.splitlines()[-1])


def _own_seconds(pattern: str, said: str) -> float | None:
    """The time the command reports for its own work (the wall time adds Django's start-up)."""
    found = re.search(pattern, said)
    return float(found.group(1)) if found else None


def measure(env: dict[str, str], work: Path, restore_url: str | None) -> dict[str, Any]:
    archive = work / "backup.tar"
    figures: dict[str, Any] = {"database_mb": round(_database_bytes(env) / 1e6, 1)}
    figures["loadavg_before_backup"] = _load()
    figures["backup_wall_s"], said = _diemcau(env, "backup", "-o", str(archive))
    figures["backup_said"] = said.splitlines()[0]
    figures["backup_s"] = _own_seconds(r"MB, ([\d.]+) s;", figures["backup_said"])
    figures["archive_mb"] = round(archive.stat().st_size / 1e6, 1)
    target = {k: v for k, v in env.items() if k != "DATABASE_URL"}
    target["DIEMCAU_DATA_DIR"] = str(work / "restored")
    if restore_url:
        target["DATABASE_URL"] = restore_url
    figures["loadavg_before_restore"] = _load()
    figures["restore_wall_s"], said = _diemcau(target, "restore", str(archive))
    figures["restore_said"] = said.splitlines()[0]
    figures["restore_s"] = _own_seconds(r"trong ([\d.]+) s;", figures["restore_said"])
    figures["restored_database_mb"] = round(_database_bytes(target) / 1e6, 1)
    figures["loadavg_after"] = _load()
    return figures


def _fresh_pg(url: str) -> str:
    import psycopg

    base, name = url.rsplit("/", 1)
    target = f"{name}_restored"
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{target}"')
    return f"{base}/{target}"


def _drop_pg(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    restore_url = _fresh_pg(url) if url else None
    work = Path(tempfile.mkdtemp(prefix="diemcau-bench-backup-"))
    try:
        results: dict[str, Any] = {
            "database": ("postgresql" if url else "sqlite") + (" (existing)" * args.existing),
            "cpus": os.cpu_count(),
            "loadavg_before": _load(),
        }
        if not args.existing:
            results.update(sites=args.sites, delegates=args.delegates)
            results.update(build(args.sites, args.delegates))
        results.update(measure(os.environ.copy(), work, restore_url))
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if restore_url:
            _drop_pg(restore_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=35_000)
    parser.add_argument("--delegates", type=int, default=3_000_000)
    parser.add_argument("--existing", action="store_true", help="Back up the database given.")
    parser.add_argument("--database-url", default=None, help="(with --existing)")
    parser.add_argument("--data-dir", default=None, help="(with --existing)")
    add_out_argument(parser, "backup.json")
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "diemcau.settings"
    os.environ.pop("REDIS_URL", None)  # a backup reads the database and the data folder only
    if args.existing:
        if args.database_url:
            os.environ["DATABASE_URL"] = args.database_url
        if args.data_dir:
            os.environ["DIEMCAU_DATA_DIR"] = args.data_dir
        results = run(args)
    else:
        with throwaway_data("backup"):
            results = run(args)
    save(results, args.out)


if __name__ == "__main__":
    main()
