"""Bulk import / export of sites: rows per second on an 11,000-row file over the real communes.

    .venv/bin/python bench/bench_sites_import.py [--runs 3] [--rows 11000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/bench_sites_import.py

Without DATABASE_URL it runs on a fresh SQLite file (the embedded settings: WAL, IMMEDIATE) in a
temporary data folder. With DATABASE_URL it creates a throw-away database next to the given one
(`diemcau_bench_<pid>`), so the named database is never touched.

The file is generated here (seeded): sites spread over the 3,321 communes, the 34 provinces and
the central bodies, Vietnamese names and addresses, phones written the ways people write them
(0912…, +84 912…, 84912…, 912… as Excel leaves them), emails, kinds, connections, statuses.

Per run (medians are printed):
  dry_run_csv_s        import_sites(dry_run=True) on an empty site table (read, clean, plan)
  import_csv_s         real import from CSV into an empty site table
  import_xlsx_s        real import from XLSX into an empty site table
  reimport_csv_s       the same CSV again: every row unchanged, nothing written
  export_csv_s         export_sites(everything, csv) of the imported rows
  export_xlsx_s        export_sites(everything, xlsx)
  naive_csv_s          baseline on the same CSV: csv.DictReader + services.clean_values (one unit
                       query per row) + Site.objects.update_or_create per row, in one transaction

JSON goes to stdout and into bench/results/sites_import.json (one entry per database vendor).
"""

import argparse
import csv
import io
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from common import add_out_argument, save  # noqa: E402 - a sibling module of this script

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Xuân"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Nam", "Phương"]
PLACES = [
    ("Hội trường UBND", "Chính quyền"),
    ("Hội trường Đảng ủy", "Đảng"),
    ("Nhà văn hóa", "Mặt trận"),
    ("Phòng họp trực tuyến", "Chính quyền"),
    ("Trung tâm Chính trị", "Đảng"),
    ("Hội trường Công an", "Lực lượng vũ trang"),
    ("Ban Chỉ huy Quân sự", "Lực lượng vũ trang"),
]
STREETS = [
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Quang Trung",
    "Lý Thường Kiệt",
]
CONNECTIONS = ["Internet", "Mạng truyền số liệu chuyên dụng", "Truyền hình hội nghị", "Di động"]
STATUSES = ["Đã đăng ký", "Đã đăng ký", "Sẵn sàng"]


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def _phone(rng: random.Random) -> str:
    digits = f"9{rng.randrange(10**8):08d}"
    style = rng.randrange(4)
    if style == 0:
        return "0" + digits
    if style == 1:
        return f"+84 {digits[:2]} {digits[2:5]} {digits[5:]}"
    if style == 2:
        return "84" + digits
    return digits  # Excel dropped the leading zero


def generate_rows(n: int, seed: int) -> list[list[Any]]:
    """n site rows (header first) over the real tree, in the import's column order."""
    from diemcau.sites.exporting import KEYS
    from diemcau.sites.importing import HEADERS
    from diemcau.textnorm import fold
    from diemcau.units.models import Unit

    rng = random.Random(seed)
    units = list(
        Unit.objects.select_related("province").order_by("code").only("code", "name", "province")
    )
    communes = [u for u in units if u.level == "commune"]
    others = [u for u in units if u.level != "commune"]
    rows: list[list[Any]] = [[HEADERS[k] for k in KEYS]]
    for i in range(n):
        unit = others[i % len(others)] if i % 40 == 0 else communes[i % len(communes)]
        place, kind = rng.choice(PLACES)
        person = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        tech = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        slug = "".join(ch for ch in fold(unit.name) if ch.isalnum())[:20]
        province = unit.province.name if unit.province else ""
        row = {
            "code": f"DC{i + 1:05d}",
            "name": f"{place} {unit.name}",
            "unit": unit.code,
            "unit_name": unit.name,
            "province": province,
            "kind": kind,
            "address": f"Số {rng.randrange(1, 300)} đường {rng.choice(STREETS)}, {unit.name}",
            "seats": str(rng.choice([30, 50, 80, 100, 120, 150, 200, 300])),
            "host_organisation": f"UBND {unit.name}",
            "contact_name": person,
            "contact_phone": _phone(rng),
            "contact_email": f"lienhe{i}@{slug}.gov.vn",
            "tech_name": tech,
            "tech_phone": _phone(rng),
            "tech_email": f"kythuat{i}@{slug}.gov.vn" if rng.random() < 0.7 else "",
            "connection": rng.choice(CONNECTIONS),
            "status": rng.choice(STATUSES),
        }
        rows.append([row[k] for k in KEYS])
    return rows


def write_files(rows: list[list[Any]], folder: Path) -> tuple[Path, Path]:
    import xlsxwriter

    csv_path = folder / "sites.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    xlsx_path = folder / "sites.xlsx"
    workbook = xlsxwriter.Workbook(xlsx_path, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["DANH SÁCH ĐIỂM CẦU HỘI NGHỊ TẬP HUẤN TOÀN QUỐC"])
    for r, row in enumerate(rows, start=2):  # a title block above the header, as people send
        for c, value in enumerate(row):
            if c == 7 and r > 2:
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return csv_path, xlsx_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=11_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--no-naive", action="store_true", help="Skip the one-by-one baseline.")
    add_out_argument(parser, "sites_import.json")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    tmp = tempfile.mkdtemp(prefix="diemcau-bench-import-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DIEMCAU_DATA_DIR"] = tmp
    try:
        results = run(args, Path(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save(results, args.out)


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    import django
    from django.conf import settings

    if os.environ.get("DATABASE_URL"):
        settings.DATABASES["default"]["TEST"] = {"NAME": f"diemcau_bench_{os.getpid()}"}
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from diemcau.units.services import load_units

    vendor = connection.vendor
    created_db = None
    if vendor == "sqlite":
        call_command("migrate", interactive=False, verbosity=0)
    else:
        created_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        load_units()
        rows = generate_rows(args.rows, args.seed)
        csv_path, xlsx_path = write_files(rows, folder)
        runs = [one_run(args, i, csv_path, xlsx_path) for i in range(args.runs)]
    finally:
        if created_db:
            connection.creation.destroy_test_db(created_db, verbosity=0)

    keys = runs[0].keys()
    med = {k: round(statistics.median(r[k] for r in runs), 3) for k in keys}
    n = args.rows
    figures: dict[str, Any] = {
        "database": vendor,
        "rows": n,
        "import_rows_per_s": round(n / med["import_csv_s"]),
        "import_xlsx_rows_per_s": round(n / med["import_xlsx_s"]),
        "dry_run_rows_per_s": round(n / med["dry_run_csv_s"]),
        "reimport_rows_per_s": round(n / med["reimport_csv_s"]),
        "export_csv_rows_per_s": round(n / med["export_csv_s"]),
        "export_xlsx_rows_per_s": round(n / med["export_xlsx_s"]),
    }
    if "naive_csv_s" in med:
        figures["naive_rows_per_s"] = round(n / med["naive_csv_s"])
        figures["import_speedup_vs_naive"] = round(med["naive_csv_s"] / med["import_csv_s"], 1)
    figures.update(
        {
            "csv_bytes": csv_path.stat().st_size,
            "xlsx_bytes": xlsx_path.stat().st_size,
            "runs": args.runs,
            "seed": args.seed,
            "python": platform.python_version(),
            "django": django.get_version(),
            "cpus": os.cpu_count(),
            "median_s": med,
            "all_runs": runs,
        }
    )
    return figures


def _wipe_sites() -> None:
    from django.db import connection, transaction

    from diemcau.accounts.models import Grant
    from diemcau.sites.models import Site

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Grant.sites.through, Site):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def one_run(
    args: argparse.Namespace, index: int, csv_path: Path, xlsx_path: Path
) -> dict[str, float]:
    from django.db import transaction

    from diemcau.accounts.scopes import Scope
    from diemcau.sites.exporting import export_sites
    from diemcau.sites.importing import import_sites
    from diemcau.sites.models import Site
    from diemcau.sites.services import clean_values

    everything = Scope(user_id=0, everything=True)
    n = args.rows
    out: dict[str, float] = {}

    _wipe_sites()
    out["dry_run_csv_s"], report = _timed(import_sites, everything, csv_path, dry_run=True)
    assert report.created == n and not report.errors and Site.objects.count() == 0, report.summary()

    out["import_xlsx_s"], report = _timed(import_sites, everything, xlsx_path)
    assert report.created == n and report.written, report.summary()
    _wipe_sites()
    out["import_csv_s"], report = _timed(import_sites, everything, csv_path)
    assert report.created == n == Site.objects.count(), report.summary()
    out["reimport_csv_s"], report = _timed(import_sites, everything, csv_path)
    assert report.unchanged == n, report.summary()

    out["export_csv_s"], count = _timed(export_sites, everything, None, "csv", io.BytesIO())
    assert count == n
    out["export_xlsx_s"], count = _timed(export_sites, everything, None, "xlsx", io.BytesIO())
    assert count == n

    if not args.no_naive:
        from diemcau.sites.importing import COLUMNS

        _wipe_sites()
        key_of = {names[0]: key for key, names in COLUMNS.items()}

        def naive() -> None:
            with csv_path.open(encoding="utf-8-sig", newline="") as fh, transaction.atomic():
                for raw in csv.DictReader(fh):
                    data = {key_of[h]: v for h, v in raw.items() if key_of[h] in _NAIVE_KEYS}
                    values = clean_values(data)
                    unit = values.pop("unit")
                    code = values.pop("code")
                    Site.objects.update_or_create(
                        code=code,
                        defaults={**values, "unit": unit, "province_id": unit.province_id},
                    )

        out["naive_csv_s"], _none = _timed(naive)
        assert Site.objects.count() == n
    print(f"run {index + 1}/{args.runs}: {out}", file=sys.stderr)  # noqa: T201
    return out


_NAIVE_KEYS = {
    "code",
    "name",
    "unit",
    "kind",
    "address",
    "seats",
    "host_organisation",
    "contact_name",
    "contact_phone",
    "contact_email",
    "tech_name",
    "tech_phone",
    "tech_email",
    "connection",
    "status",
}


if __name__ == "__main__":
    main()
