"""Erasing personal data after the event, and recounting the counters, on generated delegates.

    .venv/bin/python bench/bench_purge.py [--rows 200000] [--sites 11000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_purge.py

A throw-away data folder (SQLite) or database (PostgreSQL, beside the named one: common.py).
Data: `--sites` sites and a CSV of `--rows` delegates from bench_delegates_import (names,
positions, phones, CCCD numbers), imported by the real import; a conference that ended.

Figures:
  import_s, import_rows_per_s     the import (its counters now written in its transaction)
  rebuild_s                       `counters rebuild` over every site (registered, tallies)
  purge_s, purge_rows_per_s       purge_personal_data: the bulk UPDATEs in id ranges
  purge_again_s                   the second run, which finds nothing left to erase
  audit_redaction_s               of which: looking up the audit entries about every delegate

JSON goes to stdout and into bench/results/purge.json (one entry per database vendor).
"""

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from common import add_out_argument, save, throwaway_data  # noqa: E402 - sibling module


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    from bench_delegates_import import create_sites, delegate_rows, write_csv

    from diemcau.accounts.scopes import Scope
    from diemcau.attendance.recount import rebuild_counters
    from diemcau.delegates import purge
    from diemcau.delegates.importing import import_delegates
    from diemcau.delegates.models import Delegate
    from diemcau.programme.models import Conference, Day, Session
    from diemcau.units.services import load_units

    load_units()
    sites = create_sites(args.sites, args.seed)
    path = folder / "delegates.csv"
    write_csv(delegate_rows(args.rows, sites, args.seed, numbers=False), path)
    everything = Scope(user_id=0, everything=True)

    started = time.perf_counter()
    report = import_delegates(everything, path)
    import_s = time.perf_counter() - started
    assert report.written, report.summary()

    day = dt.date(2025, 6, 14)
    conference = Conference.objects.create(
        slug="bench", name="Hội nghị", host="BTC", starts_on=day, ends_on=day
    )
    session_day = Day.objects.create(conference=conference, date=day)
    Session.objects.create(day=session_day, title="S", starts_at=dt.time(8), ends_at=dt.time(11))

    started = time.perf_counter()
    rebuilt = rebuild_counters()
    rebuild_s = time.perf_counter() - started

    started = time.perf_counter()
    erased = purge.purge_personal_data(conference.pk)
    purge_s = time.perf_counter() - started
    started = time.perf_counter()
    again = purge.purge_personal_data(conference.pk)
    again_s = time.perf_counter() - started
    assert erased.delegates == report.created and again.nothing
    from diemcau.audit.services import redact_personal

    started = time.perf_counter()  # the audit-trail part of the purge alone, over every id
    redact_personal(Delegate.objects.values_list("pk", flat=True))
    redact_s = time.perf_counter() - started
    assert not Delegate.objects.exclude(full_name=purge.ERASED_NAME).exists()

    return {
        "database": connection.vendor,
        "rows": report.created,
        "sites": args.sites,
        "import_s": round(import_s, 2),
        "import_rows_per_s": round(report.created / import_s),
        "import_counters_s": round(report.timings.get("counters_s", 0.0), 3),
        "rebuild_s": round(rebuild_s, 2),
        "rebuild_changes": len(rebuilt.changes),
        "purge_s": round(purge_s, 2),
        "purge_rows_per_s": round(erased.delegates / purge_s),
        "purge_again_s": round(again_s, 3),
        "audit_redaction_s": round(redact_s, 2),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--seed", type=int, default=2025)
    add_out_argument(parser, "purge.json")
    args = parser.parse_args()
    with throwaway_data("purge") as tmp:
        results = run(args, Path(tmp))
    save(results, args.out)


if __name__ == "__main__":
    main()
