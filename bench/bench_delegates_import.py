"""Bulk import of delegates: 1.5 million rows over 11,000 sites, real path against bulk_create.

    .venv/bin/python bench/bench_delegates_import.py [--rows 1500000] [--runs 3]
    .venv/bin/python bench/bench_delegates_import.py --rows 100000 --runs 1   # a quick run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/bench_delegates_import.py

Without DATABASE_URL it runs on a fresh SQLite file (the embedded settings: WAL, IMMEDIATE) in a
temporary data folder. With DATABASE_URL it creates a throw-away database next to the given one
(`diemcau_bench_<pid>`), so the named database is never touched.

Data (seeded): 11,000 sites over the real communes and provinces, inserted with one executemany;
a CSV of `--rows` delegates with a title block above the header, Vietnamese names, positions and
workplaces, 12-digit CCCD numbers (unique, valid birth-province prefixes; 1 in 20 written as
Excel leaves them, without the leading zero), phones written the ways people write them; and an
XLSX of `--xlsx-rows` rows written with xlsxwriter (CCCD and phones as numbers in 1 row of 20).

Per run (medians are printed):
  dry_run_csv_s    import_delegates(dry_run=True): read, header, validate, hash; no write
  import_csv_s     the real import into an empty delegate table (executemany / COPY)
  reimport_csv_s   the same file again: every row a duplicate against the database, no write
  naive_csv_s      the same validation, then Delegate objects through bulk_create(batch 1000)
                   in one transaction (DESIGN.md's baseline), --naive-runs times
  read_xlsx_s      tabular.read_table over the XLSX (python-calamine), rows only
  import_xlsx_s    the real import of the XLSX into an empty delegate table

JSON goes to stdout and into bench/results/delegates_import.json (one entry per database vendor).
"""

import argparse
import csv
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
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Xuân", "Thị Thu"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Nam", "Phương"]
POSITIONS = [
    "Bí thư Đảng ủy",
    "Phó Bí thư Đảng ủy",
    "Chủ tịch UBND",
    "Phó Chủ tịch UBND",
    "Chủ tịch Ủy ban MTTQ",
    "Công chức Văn phòng - Thống kê",
    "Trưởng phòng Kinh tế",
    "Chuyên viên",
    "",
]
WORKPLACES = ["UBND", "Đảng ủy", "Ủy ban MTTQ Việt Nam", "Hội đồng nhân dân", "Công an"]
GROUPS = ["Đảng", "Chính quyền", "Mặt trận", "Đoàn thể", ""]
HEADER = [
    "STT",
    "Mã điểm cầu",
    "Họ và tên",
    "Số CCCD",
    "Chức vụ",
    "Đơn vị công tác",
    "Nhóm",
    "Số điện thoại",
    "Email",
]
# The 63 birth-province prefixes of CCCD numbers.
PREFIXES = [
    f"{n:03d}"
    for n in (1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33,
              34, 35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64,
              66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94,
              95, 96)
]  # fmt: skip


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


# -- data ------------------------------------------------------------------------------------
def create_sites(n: int, seed: int) -> list[str]:
    """n sites over the communes (3 per commune, then the provinces), by one executemany.

    The columns come from the Site model, so that a column added to it later gets its default.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from diemcau.sites.models import Site
    from diemcau.textnorm import fold
    from diemcau.units.models import Unit

    rng = random.Random(seed)
    communes = list(Unit.objects.filter(level="commune").order_by("code"))
    provinces = list(Unit.objects.filter(level="province").order_by("code"))
    units = [u for u in communes for _ in range(3)] + provinces * 30
    fields = [f for f in Site._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    kinds = ["party", "state", "front"]
    rows = []
    codes = []
    for i in range(n):
        unit = units[i % len(units)]
        code = f"B{i + 1:05d}"
        codes.append(code)
        name = f"Hội trường {kinds[i % 3]} {unit.name}"
        given = {
            "code": code,
            "name": name,
            "name_folded": fold(name),
            "unit": unit.pk,
            "province": unit.province_id,
            "kind": kinds[i % 3],
            "address": f"Số {rng.randrange(1, 300)}, {unit.name}",
            "created_at": now,
            "updated_at": now,
        }
        row = []
        for field in fields:
            if field.name in given:
                value = given[field.name]
            elif field.has_default():
                value = field.get_default()
            else:
                value = None if field.null else ""
            row.append(field.get_db_prep_save(value, connection))
        rows.append(row)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO sites_site ({columns}) VALUES ({placeholders})"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return codes


def _phone(rng: random.Random) -> str:
    digits = f"9{rng.randrange(10**8):08d}"
    style = rng.randrange(10)
    if style == 0:
        return f"+84 {digits[:2]} {digits[2:5]} {digits[5:]}"
    if style == 1:
        return digits  # Excel dropped the leading zero
    if style == 2:
        return ""
    return "0" + digits


def delegate_rows(n: int, sites: list[str], seed: int, *, numbers: bool) -> list[list[Any]]:
    """n delegate rows; CCCD unique (an affine bijection of the row index over 10⁹)."""
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    for i in range(n):
        national_id = f"{PREFIXES[i % 63]}{(i * 7_919 + 104_729) % 10**9:09d}"
        phone: Any = _phone(rng)
        cccd: Any = national_id
        if i % 20 == 7:  # as Excel leaves a number typed into a cell
            cccd = national_id.lstrip("0")
            if numbers:
                cccd = int(national_id)
                phone = int(phone) if phone.isdigit() else phone
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        rows.append(
            [
                i + 1,
                sites[i % len(sites)],
                f"{surname} {rng.choice(MIDDLE)} {given}",
                cccd,
                rng.choice(POSITIONS),
                f"{rng.choice(WORKPLACES)} xã {rng.choice(GIVEN)} {rng.choice(GIVEN)}",
                rng.choice(GROUPS),
                phone,
                f"daibieu{i}@xa.gov.vn" if i % 4 == 0 else "",
            ]
        )
    return rows


def write_csv(rows: list[list[Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ TẬP HUẤN TOÀN QUỐC"])
        writer.writerow([])
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(rows: list[list[Any]], path: Path) -> None:
    import xlsxwriter  # type: ignore[import-untyped]

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("Đại biểu")
    sheet.write_row(0, 0, ["DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ TẬP HUẤN TOÀN QUỐC"])
    sheet.write_row(2, 0, HEADER)
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value:
                sheet.write_string(r, c, value)
    workbook.close()


# -- runs ------------------------------------------------------------------------------------
def _wipe() -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # DELETE would leave dead rows in the indexes
            # CASCADE: check-ins and quiz attempts point at delegates (empty in this bench).
            cursor.execute("TRUNCATE delegates_delegate CASCADE")
        else:
            cursor.execute("DELETE FROM delegates_delegate")


class NaiveWriter:
    """DESIGN.md's baseline: model instances through bulk_create, in the same transaction.

    It takes the same rows as writing.Writer (ids, codes and secrets included), so only the
    way they reach the database differs.
    """

    def __init__(self, capacity: int) -> None:
        from django.utils import timezone

        from diemcau.delegates.writing import reserve_ids

        self.first_id = reserve_ids(capacity)
        self.now = timezone.now()
        self.timings = {"insert_s": 0.0}
        self.site_ids: set[int] = set()

    def __enter__(self) -> "NaiveWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def put(self, rows: list[Any]) -> None:
        from diemcau.delegates.models import Delegate

        fields = ("id", "code", "secret", "site_id", "province_id", "full_name", "position",
                  "workplace", "group", "phone", "email", "national_id_hash",
                  "national_id_last4", "created_at", "updated_at")  # fmt: skip
        started = time.perf_counter()
        self.site_ids.update(row[3] for row in rows)
        objects = [Delegate(**dict(zip(fields, row, strict=True))) for row in rows]
        Delegate.objects.bulk_create(objects, batch_size=1000)
        self.timings["insert_s"] += time.perf_counter() - started


def one_run(args: argparse.Namespace, index: int, csv_path: Path, xlsx_path: Path) -> dict:
    from diemcau.accounts.scopes import Scope
    from diemcau.delegates import importing
    from diemcau.delegates.models import Delegate
    from diemcau.tabular import read_table

    everything = Scope(user_id=0, everything=True)
    n, nx = args.rows, args.xlsx_rows
    out: dict[str, float] = {}

    _wipe()
    out["dry_run_csv_s"], report = _timed(
        importing.import_delegates, everything, csv_path, dry_run=True
    )
    assert report.created == n and not report.errors, report.summary()
    out["import_csv_s"], report = _timed(importing.import_delegates, everything, csv_path)
    assert report.written and report.created == n == Delegate.objects.count(), report.summary()
    for phase in ("insert_s", "indexes_s", "commit_s"):  # the rest is reading and checking
        out[f"import_csv_{phase}"] = report.timings.get(phase, 0.0)
    out["reimport_csv_s"], report = _timed(importing.import_delegates, everything, csv_path)
    assert report.bad_rows == n and not report.written, report.summary()

    _wipe()
    out["read_xlsx_s"], count = _timed(lambda: sum(1 for _ in read_table(xlsx_path)))
    assert count == nx + 3
    out["import_xlsx_s"], report = _timed(importing.import_delegates, everything, xlsx_path)
    assert report.written and report.created == nx, report.summary()

    if index < args.naive_runs:
        _wipe()
        real = importing.Writer
        importing.Writer = NaiveWriter  # type: ignore[assignment, misc]
        try:
            out["naive_csv_s"], report = _timed(importing.import_delegates, everything, csv_path)
        finally:
            importing.Writer = real  # type: ignore[misc]
        assert report.written and Delegate.objects.count() == n, report.summary()
    print(f"run {index + 1}/{args.runs}: {out}", file=sys.stderr)  # noqa: T201
    return out


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
        sites_s, sites = _timed(create_sites, args.sites, args.seed)
        started = time.perf_counter()
        csv_path, xlsx_path = folder / "delegates.csv", folder / "delegates.xlsx"
        write_csv(delegate_rows(args.rows, sites, args.seed, numbers=False), csv_path)
        write_xlsx(delegate_rows(args.xlsx_rows, sites, args.seed + 1, numbers=True), xlsx_path)
        print(f"data ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)  # noqa: T201
        runs = [one_run(args, i, csv_path, xlsx_path) for i in range(args.runs)]
    finally:
        if created_db:
            connection.creation.destroy_test_db(created_db, verbosity=0)

    med = {key: round(statistics.median(r[key] for r in runs if key in r), 3) for key in runs[0]}
    n, nx = args.rows, args.xlsx_rows
    figures: dict[str, Any] = {
        "database": vendor,
        "rows": n,
        "sites": args.sites,
        "import_csv_s": med["import_csv_s"],
        "import_csv_rows_per_s": round(n / med["import_csv_s"]),
        "dry_run_csv_rows_per_s": round(n / med["dry_run_csv_s"]),
        "reimport_csv_rows_per_s": round(n / med["reimport_csv_s"]),
        "xlsx_rows": nx,
        "read_xlsx_rows_per_s": round(nx / med["read_xlsx_s"]),
        "import_xlsx_rows_per_s": round(nx / med["import_xlsx_s"]),
    }
    if "naive_csv_s" in med:
        figures["naive_csv_s"] = med["naive_csv_s"]
        figures["naive_csv_rows_per_s"] = round(n / med["naive_csv_s"])
        figures["speedup_vs_naive"] = round(med["naive_csv_s"] / med["import_csv_s"], 1)
    figures.update(
        {
            "create_sites_s": round(sites_s, 3),
            "csv_bytes": csv_path.stat().st_size,
            "xlsx_bytes": xlsx_path.stat().st_size,
            "runs": args.runs,
            "naive_runs": min(args.naive_runs, args.runs),
            "seed": args.seed,
            "python": platform.python_version(),
            "django": django.get_version(),
            "cpus": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "median_s": med,
            "all_runs": runs,
        }
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--naive-runs", type=int, default=1, help="Runs that also time the bulk_create path."
    )
    parser.add_argument("--seed", type=int, default=2025)
    add_out_argument(parser, "delegates_import.json")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    tmp = tempfile.mkdtemp(prefix="diemcau-bench-delegates-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DIEMCAU_DATA_DIR"] = tmp
    try:
        results = run(args, Path(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save(results, args.out)


if __name__ == "__main__":
    main()
