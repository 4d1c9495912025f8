"""Lists out at full scale: the national attendance list as CSV and XLSX, a province's and a
site's, the national delegate list, and the naive path beside them.

    .venv/bin/python bench/bench_exports.py                        # 11,000 sites, 1.5M delegates
    .venv/bin/python bench/bench_exports.py --delegates 100000 --sites 1000   # a quick run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_exports.py

Data (a temporary data folder; with DATABASE_URL a throwaway database `diemcau_bench_ex_<pid>`
beside the named one), built by the other benches' builders: the units, `--sites` sites and
`--delegates` delegates (bench_delegates_import.create_sites, bench_checkins.create_delegates:
the import's writer), a conference day with two sessions, one valid check-in per delegate in
session 1 (bench_reports.write_checkins: executemany/COPY, with the per-site counters), and in
session 2 a headcount at every tenth site (no scans). On PostgreSQL the tables are ANALYZEd.

Each export runs in a fresh process (`--child`), as `diemcau export` would, through
exports.services.run_export with a central organiser's scope, so its peak memory (ru_maxrss) is
its own, and its CPU seconds beside the wall-clock ones (the machine is shared: on SQLite the
database works inside the process, so CPU seconds are what a free core would take); every file
is checked (rows written = delegates in the node; the national XLSX split
into one sheet per province past 1,048,576 rows). The timing excludes Django's start-up.

The naive path, beside it in the same run: ORM objects (Delegate with select_related site, unit
and province; the sample's check-ins read into a dictionary) written cell by cell with
xlsxwriter's default (in-memory) workbook, on the first `--naive` delegates, extrapolated
linearly to the national list. (openpyxl, the issue's naive writer, is not installed here;
DESIGN.md measured it at ~13k rows/s write-only, slower than xlsxwriter.)
JSON goes to stdout and bench/results/exports.json (one entry per database vendor).
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from common import (  # noqa: E402 - a sibling module of this script
    add_out_argument,
    analyze,
    conference_day,
    migrated_with_units,
    save,
    sites_and_delegates,
    throwaway_data,
)


def setup(args: argparse.Namespace) -> dict[str, Any]:
    import datetime as dt

    migrated_with_units()
    from bench_reports import write_checkins
    from django.db import connection

    from diemcau.attendance.models import SessionTally
    from diemcau.attendance.services import refresh_registered

    started = time.perf_counter()
    sites = sites_and_delegates(args.sites, args.delegates)
    sessions = conference_day(dt.date(2025, 6, 14))
    checkins = write_checkins(sessions[0], 7)
    SessionTally.objects.bulk_create(
        SessionTally(site_id=pk, session_id=sessions[1], headcount=120) for pk, _ in sites[::10]
    )
    refresh_registered()
    analyze()
    connection.close()
    return {"data_s": round(time.perf_counter() - started, 1), "checkins": checkins}


def biggest_province_and_a_site() -> tuple[str, int, str, int]:
    from django.db.models import Count

    from diemcau.delegates.models import Delegate
    from diemcau.units.models import Unit

    top = Delegate.objects.values("province_id").annotate(n=Count("id")).order_by("-n").first()
    assert top is not None
    province = Unit.objects.get(pk=top["province_id"]).code
    site = Delegate.objects.values("site__code").annotate(n=Count("id")).order_by("-n").first()
    assert site is not None
    return province, top["n"], site["site__code"], site["n"]


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux carries a parent's
    high-water mark into a child it forks, so a child of a 600 MB parent reads 600 MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(identifier: str, node: str, fmt: str, out: str) -> None:
    """One export in this fresh process: seconds (without start-up), peak memory, the file."""
    import django

    django.setup()
    from diemcau.accounts.scopes import Scope
    from diemcau.exports import services

    started, cpu = time.perf_counter(), time.process_time()
    result = services.run_export(
        Scope(user_id=None, everything=True),
        identifier,
        node=node,
        fmt=fmt,
        options={},
        out=Path(out),
    )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak = peak_rss_mb()
    print(  # noqa: T201 - read by the parent
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "cpu_s": round(cpu, 2),
                "peak_rss_mb": round(peak),
                "rows": result.rows,
                "sheets": len(result.sheets) or 1,
                "size_mb": round(Path(out).stat().st_size / 1e6, 1),
            }
        )
    )


def run_child(identifier: str, node: str, fmt: str, folder: Path) -> dict[str, Any]:
    out = folder / f"{identifier}-{node}.{fmt}"
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, __file__, "--child", identifier, node, fmt, str(out)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out.unlink(missing_ok=True)
    return figures


def naive(n: int, total: int) -> dict[str, Any]:
    """ORM objects into a default (in-memory) xlsxwriter workbook, for the first n delegates."""
    import io

    import xlsxwriter  # type: ignore[import-untyped]

    from diemcau.attendance.models import CheckIn
    from diemcau.delegates.models import Delegate
    from diemcau.programme.models import Session

    sessions = list(Session.objects.order_by("pk"))
    before = peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    header = ["Mã", "Họ tên", "Mã điểm cầu", "Điểm cầu", "Đơn vị", "Tỉnh"]
    header += [s.title for s in sessions]
    for c, text in enumerate(header):
        sheet.write(0, c, text)
    rows = 0
    query = Delegate.objects.select_related("site__unit", "site__province").order_by("pk")
    delegates = list(query[:n])
    marks: dict[int, set[int]] = {}
    for delegate_id, session_id in CheckIn.objects.filter(
        delegate__in=[d.pk for d in delegates], annulled_at__isnull=True
    ).values_list("delegate_id", "session_id"):
        marks.setdefault(delegate_id, set()).add(session_id)
    for r, d in enumerate(delegates, start=1):
        site = d.site
        values = [d.code, d.full_name, site.code, site.name, site.unit.name,
                  site.province.name if site.province else ""]  # fmt: skip
        values += ["Có mặt" if s.pk in marks.get(d.pk, ()) else "Vắng" for s in sessions]
        for c, value in enumerate(values):
            sheet.write(r, c, value)
        rows += 1
    book.close()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    grown = peak_rss_mb() - before
    scale = total / rows
    return {
        "sample_rows": rows,
        "sample_s": round(seconds, 2),
        "sample_cpu_s": round(cpu, 2),
        "rows_per_s": round(rows / seconds),
        "extrapolated_national_xlsx_s": round(seconds * scale),
        "extrapolated_national_xlsx_cpu_s": round(cpu * scale, 1),
        "sample_memory_growth_mb": round(grown),
        "extrapolated_memory_mb": round(grown * scale),
        "note": "one sheet, no split: past 1,048,576 rows xlsxwriter refuses the rows",
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    made = setup(args)
    province, province_rows, site, site_rows = biggest_province_and_a_site()
    results: dict[str, Any] = {
        "database": connection.vendor,
        "sites": args.sites,
        "delegates": args.delegates,
        "checkins": made["checkins"],
        "data_load_s": made["data_s"],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    connection.close()
    folder = Path(os.environ["DIEMCAU_DATA_DIR"]) / "bench-out"
    folder.mkdir(parents=True, exist_ok=True)
    runs = [
        ("national_attendance_csv", "attendance", "TW", "csv", args.delegates),
        ("national_attendance_xlsx", "attendance", "TW", "xlsx", args.delegates),
        ("province_attendance_xlsx", "attendance", province, "xlsx", province_rows),
        ("site_attendance_xlsx", "attendance", site, "xlsx", site_rows),
        ("national_delegates_csv", "delegates", "TW", "csv", args.delegates),
        ("national_delegates_xlsx", "delegates", "TW", "xlsx", args.delegates),
        ("province_learning_xlsx", "learning", province, "xlsx", province_rows),
    ]
    for name, identifier, node, fmt, expected in runs:
        best: dict[str, Any] | None = None
        for _ in range(args.runs):
            got = run_child(identifier, node, fmt, folder)
            if best is None or got["seconds"] < best["seconds"]:
                best = got
        assert best is not None
        assert best["rows"] == expected, (name, best["rows"], expected)
        results[name] = {"node": node, **best}
        print(name, best, file=sys.stderr)  # noqa: T201 - progress of a long bench
    results["national_xlsx_sheets_split_by_province"] = results["national_attendance_xlsx"][
        "sheets"
    ]
    done = subprocess.run(  # noqa: S603 - our own script, in a fresh process for its memory
        [sys.executable, __file__, "--naive-child", str(args.naive), str(args.delegates)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    results["naive_orm_xlsxwriter"] = json.loads(done.stdout.strip().splitlines()[-1])
    results["speedup_national_xlsx_vs_naive_cpu"] = round(
        results["naive_orm_xlsxwriter"]["extrapolated_national_xlsx_cpu_s"]
        / results["national_attendance_xlsx"]["cpu_s"],
        1,
    )
    results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--naive-child":
        import django

        django.setup()
        print(json.dumps(naive(int(sys.argv[2]), int(sys.argv[3]))))  # noqa: T201
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=int, default=1_500_000)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--naive", type=int, default=20_000, help="Delegates in the naive sample")
    parser.add_argument("--runs", type=int, default=1, help="Runs per export (the best is kept)")
    add_out_argument(parser, "exports.json")
    args = parser.parse_args()
    with throwaway_data("ex"):
        results = run(args)
    save(results, args.out)


if __name__ == "__main__":
    main()
