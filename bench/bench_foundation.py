"""Foundation figures: loading the unit tree, loading the 11,000-site demo, and scoped site lists.

    .venv/bin/python bench/bench_foundation.py [--runs 3] [--sites 11000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_foundation.py

Without DATABASE_URL it runs on a fresh SQLite file (the embedded settings: WAL, IMMEDIATE) in a
temporary data folder. With DATABASE_URL it creates a throw-away database next to the given one
(`diemcau_bench_<pid>`, as Django's test runner does), so the named database is never touched.

Per run (medians are printed):
  units_empty_s        load_units() on an empty table (3,449 units)
  units_rerun_s        load_units() again on the full table (idempotent: nothing changes)
  demo_generate_s      generate_demo_sites(n, seed) alone (pure Python)
  demo_load_s          load_demo_sites(n, seed) into an empty site table (generation included)
  demo_reload_s        load_demo_sites(n, seed) again (upsert of the same n rows)
  naive_create_s       baseline: generation + Site.objects.create() per row in one transaction
  bulk_create_s        second baseline: generation + the ORM's bulk_create, batches of 2,000
  list_*_ms            visible_sites(scope): first page of 100 + count(), province vs central

JSON goes to stdout and into bench/results/foundation.json (one entry per database vendor).
"""

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from common import add_out_argument, save  # noqa: E402 - a sibling module of this script


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def _median_ms(fn: Any, repeat: int) -> float:
    fn()  # warm the connection and the statement cache
    times = []
    for _ in range(repeat):
        elapsed, _result = _timed(fn)
        times.append(elapsed * 1000)
    return round(statistics.median(times), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--no-naive", action="store_true", help="Skip the one-by-one baseline.")
    add_out_argument(parser, "foundation.json")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="diemcau-bench-")
        os.environ["DIEMCAU_DATA_DIR"] = tmp
    try:
        results = run(args)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    save(results, args.out)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django
    from django.conf import settings

    if os.environ.get("DATABASE_URL"):
        settings.DATABASES["default"]["TEST"] = {"NAME": f"diemcau_bench_{os.getpid()}"}
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    vendor = connection.vendor
    created_db = None
    if vendor == "sqlite":
        call_command("migrate", interactive=False, verbosity=0)
    else:
        created_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        runs = [one_run(args, i) for i in range(args.runs)]
    finally:
        if created_db:
            connection.creation.destroy_test_db(created_db, verbosity=0)

    keys = runs[0].keys()
    medians = {k: round(statistics.median(r[k] for r in runs), 3) for k in keys}
    n = args.sites
    medians["demo_load_rows_per_s"] = round(n / medians["demo_load_s"])
    if "naive_create_s" in medians:
        medians["naive_rows_per_s"] = round(n / medians["naive_create_s"])
        medians["demo_load_speedup_vs_naive"] = round(
            medians["naive_create_s"] / medians["demo_load_s"], 1
        )
        medians["demo_load_speedup_vs_bulk_create"] = round(
            medians["bulk_create_s"] / medians["demo_load_s"], 1
        )
    return {
        "database": vendor,
        "sites": n,
        "seed": args.seed,
        "runs": args.runs,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "median": medians,
        "all_runs": runs,
    }


def _wipe(*, sites_only: bool = False) -> None:
    """Empty sites and units in one statement each; deferred foreign keys are checked at commit."""
    from django.db import connection, transaction

    from diemcau.accounts.models import Grant
    from diemcau.sites.models import Site
    from diemcau.units.models import Unit

    with transaction.atomic(), connection.cursor() as cursor:
        models = (
            (Grant.sites.through, Site) if sites_only else (Grant.sites.through, Grant, Site, Unit)
        )
        for model in models:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def one_run(args: argparse.Namespace, index: int) -> dict[str, float]:
    from diemcau.accounts.scopes import Scope
    from diemcau.sites.demo import generate_demo_sites, load_demo_sites
    from diemcau.sites.models import Site
    from diemcau.sites.services import visible_sites
    from diemcau.units.models import Unit
    from diemcau.units.services import load_units

    out: dict[str, float] = {}
    _wipe()
    out["units_empty_s"], first = _timed(load_units)
    assert first.created == 3_449, first
    out["units_rerun_s"], again = _timed(load_units)
    assert again.unchanged == 3_449, again

    out["demo_generate_s"], _rows = _timed(generate_demo_sites, args.sites, args.seed)
    out["demo_load_s"], count = _timed(load_demo_sites, args.sites, args.seed)
    assert count == args.sites == Site.objects.count()
    out["demo_reload_s"], _count = _timed(load_demo_sites, args.sites, args.seed)
    assert Site.objects.count() == args.sites

    hanoi = Unit.objects.get(code="01")
    province = Scope(user_id=1, organiser_units=(hanoi,), roles=frozenset({"province_organiser"}))
    central = Scope(user_id=2, everything=True, roles=frozenset({"central_organiser"}))

    def page(scope: Scope) -> Any:
        def fetch() -> int:
            qs = visible_sites(scope)
            rows = list(qs[:100])
            return len(rows) + qs.count()

        return fetch

    out["list_province_ms"] = _median_ms(page(province), 20)
    out["list_central_ms"] = _median_ms(page(central), 20)
    out["province_sites"] = visible_sites(province).count()

    if not args.no_naive:
        out.update(baselines(args))
    print(f"run {index + 1}/{args.runs}: {out}", file=sys.stderr)  # noqa: T201
    return out


def baselines(args: argparse.Namespace) -> dict[str, float]:
    """The same generated rows through the ORM: one create() per row, and bulk_create."""
    from django.db import transaction

    from diemcau.sites.demo import generate_demo_sites
    from diemcau.sites.models import Site
    from diemcau.units.models import Unit

    def sites() -> Iterator[dict[str, Any]]:
        rows = generate_demo_sites(args.sites, args.seed)
        units = {c: (pk, p) for c, pk, p in Unit.objects.values_list("code", "pk", "province_id")}
        for row in rows:
            values = dict(row)
            unit_id, province_id = units[values.pop("unit")]
            yield {"unit_id": unit_id, "province_id": province_id, **values}

    def naive() -> None:
        with transaction.atomic():
            for values in sites():
                Site.objects.create(**values)

    def orm_bulk() -> None:
        with transaction.atomic():
            Site.objects.bulk_create([Site(**values) for values in sites()], batch_size=2_000)

    out: dict[str, float] = {}
    for key, fn in (("naive_create_s", naive), ("bulk_create_s", orm_bulk)):
        _wipe(sites_only=True)
        out[key], _none = _timed(fn)
        assert Site.objects.count() == args.sites
    return out


if __name__ == "__main__":
    main()
