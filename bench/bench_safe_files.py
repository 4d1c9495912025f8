"""Cost of the safe-file checks, each against the unchecked path in the same run.

    .venv/bin/python bench/bench_safe_files.py [--rows 100000] [--xlsx-rows 100000] [--runs 3]

  csv_plain_s / csv_safe_s   the sites CSV (17 columns, names, phones, a number) written with
                             csv.writer, and with the shared writer that quotes formula cells
                             (diemcau.csvsafe, as sites.exporting.write_csv does)
  read_xlsx_s / check_zip_s  a delegate XLSX (the delegate bench's writer) read by
                             tabular.read_table without the bomb checks, and the checks alone
                             (inflate every part, count, scan cell references)
Medians of --runs; the two sides of each pair run alternately. No database.
"""

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")

import django

django.setup()

from common import RESULTS_DIR  # noqa: E402

from diemcau import csvsafe, tabular  # noqa: E402


def site_rows(n: int) -> list[list[Any]]:
    """Rows shaped like sites.exporting.site_rows; one in 50 names typed as a formula."""
    rows = []
    for i in range(n):
        name = f'=HYPERLINK("http://x/{i}","y")' if i % 50 == 0 else f"Hội trường UBND xã {i}"
        rows.append(
            [f"HN-{i:06d}", name, f"{i % 3321:05d}", "Xã Mỹ Đức", "Thành phố Hà Nội",
             "Chính quyền", f"{i} đường Láng", 120, "UBND xã", "Nguyễn Văn An", "0912345678",
             "an@xa.gov.vn", "Trần Thị Bình", "0987654321", "binh@xa.gov.vn", "Internet",
             "Đã đăng ký"]
        )  # fmt: skip
    return rows


def write(rows: list[list[Any]], make_writer: Any) -> float:
    out = io.BytesIO()
    started = time.perf_counter()
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = make_writer(text)
    for row in rows:
        writer.writerow(row)
    text.flush()
    text.detach()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    out: dict[str, Any] = {"rows": args.rows, "xlsx_rows": args.xlsx_rows, "runs": args.runs}

    rows = site_rows(args.rows)
    plain, safe = [], []
    for _ in range(args.runs):
        plain.append(write(rows, csv.writer))
        safe.append(write(rows, csvsafe.writer))
    out["csv_plain_s"] = round(statistics.median(plain), 3)
    out["csv_safe_s"] = round(statistics.median(safe), 3)
    out["csv_safe_over_plain"] = round(out["csv_safe_s"] / out["csv_plain_s"], 2)

    from bench_delegates_import import delegate_rows, write_xlsx

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dai-bieu.xlsx"
        sites = [f"S{i:05d}" for i in range(11_000)]
        write_xlsx(delegate_rows(args.xlsx_rows, sites, 1, numbers=True), path)
        out["xlsx_mb"] = round(path.stat().st_size / 1e6, 1)
        checked = tabular.check_zip
        reads, checks = [], []
        for _ in range(args.runs):
            tabular.check_zip = lambda data: None  # type: ignore[assignment]
            started = time.perf_counter()
            count = sum(1 for _ in tabular.read_table(path))
            reads.append(time.perf_counter() - started)
            tabular.check_zip = checked
            with path.open("rb") as data:
                started = time.perf_counter()
                checked(data)
                checks.append(time.perf_counter() - started)
        assert count == args.xlsx_rows + 3
    out["read_xlsx_s"] = round(statistics.median(reads), 3)
    out["check_zip_s"] = round(statistics.median(checks), 3)
    out["check_over_read"] = round(out["check_zip_s"] / out["read_xlsx_s"], 2)

    import json

    print(json.dumps(out, ensure_ascii=False, indent=2))  # noqa: T201 - a bench reports
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "safe_files.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
