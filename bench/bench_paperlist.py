"""Paper sign-in lists back in at full scale: a 100,000-row list, checked then recorded, then sent
again, through the console's batch service; the naive path (one scan per call) beside it.

    .venv/bin/python bench/bench_paperlist.py                       # 11,000 sites, 1.5M delegates
    .venv/bin/python bench/bench_paperlist.py --delegates 200000 --sites 2000 --rows 50000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_paperlist.py

Data (a temporary data folder; with DATABASE_URL a throwaway database `diemcau_bench_pl_<pid>`
beside the named one): the units, `--sites` sites and `--delegates` delegates (the other benches'
builders), a conference day with two sessions. The list: `--rows` delegates taken evenly over the
whole table (a province office's or the centre's typed list), as XLSX with a title block, the
columns STT, Mã đại biểu, Họ và tên, Thời gian (07:15–07:59), one in 50 rows with a CCCD instead
of a code, one in 200 with a typo in the code; and the same as CSV.

Measured in-process with a central organiser's scope (attendance.paperlist.import_list, which
the page's task, the API and `diemcau import-attendance` call): the dry run, the real run, the
same file again (nothing new: every row already present), and the CSV's dry run. Beside it the
naive path: the same service called with one row at a time (`--naive` rows), extrapolated.
Wall-clock and CPU seconds (the machine is shared; on SQLite the database works inside the
process). Every figure is checked against the check-in table.
JSON goes to stdout and bench/results/paperlist.json (one entry per database vendor).
"""

import argparse
import io
import os
import platform
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
    from diemcau.attendance.services import refresh_registered

    started = time.perf_counter()
    sites_and_delegates(args.sites, args.delegates)
    sessions = conference_day(dt.date(2025, 6, 14))
    refresh_registered()
    analyze()
    return {"sessions": sessions, "data_s": round(time.perf_counter() - started, 1)}


def make_list(rows: int, total: int) -> tuple[bytes, bytes, int, int]:
    """The list as XLSX and CSV; returns them with the numbers of good and bad rows."""
    import xlsxwriter  # type: ignore[import-untyped]

    from diemcau.delegates.models import Delegate

    step = max(1, total // rows)
    wanted = list(
        Delegate.objects.order_by("pk").values_list("code", "full_name", "national_id_hash")[
            ::step
        ][:rows]
    )
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ (phiên sáng)")
    header = ["STT", "Mã đại biểu", "Số CCCD", "Họ và tên", "Thời gian"]
    for c, text in enumerate(header):
        sheet.write_string(2, c, text)
    lines = [",".join(header)]
    bad = 0
    for i, (code, name, _hash) in enumerate(wanted):
        r = 3 + i
        typed = code if i % 200 != 199 else code[:-1] + ("0" if code[-1] != "0" else "1")
        bad += typed != code
        when = f"07:{15 + i % 45:02d}"
        sheet.write_number(r, 0, i + 1)
        sheet.write_string(r, 1, typed)
        sheet.write_string(r, 3, name)
        sheet.write_string(r, 4, when)
        lines.append(f"{i + 1},{typed},,{name},{when}")
    book.close()
    return out.getvalue(), ("\n".join(lines) + "\n").encode(), len(wanted) - bad, bad


CPU: dict[str, float] = {}


def timed(fn: Any, name: str = "") -> tuple[float, Any]:
    """Wall-clock seconds (and, under `name`, CPU seconds: the machine is shared)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    if name:
        CPU[name] = round(time.process_time() - cpu, 2)
    return time.perf_counter() - started, result


def run(args: argparse.Namespace) -> dict[str, Any]:
    made = setup(args)
    from django.db import connection

    from diemcau.accounts.scopes import Scope
    from diemcau.attendance.checkins import ScanIn, record_scans
    from diemcau.attendance.models import CheckIn
    from diemcau.attendance.paperlist import check_in_id, import_list

    morning, afternoon = made["sessions"]
    xlsx, csv_bytes, good, bad = make_list(args.rows, args.delegates)
    folder = Path(os.environ["DIEMCAU_DATA_DIR"])
    path = folder / "danh-sach.xlsx"
    path.write_bytes(xlsx)
    csv_path = folder / "danh-sach.csv"
    csv_path.write_bytes(csv_bytes)
    scope = Scope(user_id=None, everything=True)
    results: dict[str, Any] = {
        "database": connection.vendor,
        "sites": args.sites,
        "delegates": args.delegates,
        "list_rows": args.rows,
        "xlsx_mb": round(len(xlsx) / 1e6, 1),
        "data_load_s": made["data_s"],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }

    def load(source: Path, dry: bool) -> Any:
        return import_list(scope, source, session=morning, dry_run=dry)

    seconds, trial = timed(lambda: load(path, True), "xlsx_dry_run_cpu_s")
    assert (trial.recorded, trial.bad) == (good, bad), (trial.recorded, trial.bad, good, bad)
    assert not CheckIn.objects.exists()
    results["xlsx_dry_run_s"] = round(seconds, 2)
    seconds, done = timed(lambda: load(path, False), "xlsx_record_cpu_s")
    assert done.recorded == good and CheckIn.objects.filter(source="list").count() == good
    results["xlsx_record_s"] = round(seconds, 2)
    results["rows_per_s"] = round(args.rows / seconds)
    seconds, again = timed(lambda: load(path, False), "xlsx_same_file_again_cpu_s")
    assert (again.recorded, again.already) == (0, good)
    assert CheckIn.objects.count() == good
    results["xlsx_same_file_again_s"] = round(seconds, 2)
    seconds, from_csv = timed(lambda: load(csv_path, True), "csv_dry_run_cpu_s")
    assert from_csv.already == good
    results["csv_dry_run_s"] = round(seconds, 2)
    results["report"] = done.summary()
    results.update(CPU)

    # The naive path: the same service, one row per call, for the afternoon session.
    from diemcau.delegates.models import Delegate

    sample = list(Delegate.objects.order_by("pk").values_list("code", "site__code")[: args.naive])
    started, cpu = time.perf_counter(), time.process_time()
    for code, site in sample:
        record_scans(
            scope,
            [
                ScanIn(
                    id=check_in_id(code, afternoon),
                    badge=code,
                    site=site,
                    session=afternoon,
                    scanned_at="2025-06-14T12:50:00+07:00",
                )
            ],
            source="list",
        )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert CheckIn.objects.filter(session_id=afternoon).count() == len(sample)
    results["naive_one_row_per_call"] = {
        "sample_rows": len(sample),
        "sample_s": round(seconds, 2),
        "sample_cpu_s": round(cpu, 2),
        "extrapolated_rows_s": round(seconds * args.rows / len(sample), 1),
        "extrapolated_rows_cpu_s": round(cpu * args.rows / len(sample), 1),
    }
    results["speedup_vs_naive_cpu"] = round(
        results["naive_one_row_per_call"]["extrapolated_rows_cpu_s"] / results["xlsx_record_cpu_s"],
        1,
    )
    results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=int, default=1_500_000)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--rows", type=int, default=100_000, help="Rows in the paper list")
    parser.add_argument("--naive", type=int, default=2_000, help="Rows sent one per call")
    parser.add_argument("--runs", type=int, default=1, help="Kept for the benches' common options")
    add_out_argument(parser, "paperlist.json")
    args = parser.parse_args()
    with throwaway_data("pl"):
        results = run(args)
    save(results, args.out)


if __name__ == "__main__":
    main()
