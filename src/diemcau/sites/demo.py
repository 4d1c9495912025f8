"""A deterministic, realistic demo network: `diemcau demo-data` and the first `diemcau up`.

The reference event had 11,000 sites: the central studio, every central body, and in each of the
34 provinces the People's Committee, the party committee, the Front and a few departments, then
three sites in each of the 3,321 communes (party committee, People's Committee, Front). Sites are
generated in that priority order from the real tree and the first `n` are kept, so 11,000 covers
every commune and a smaller `n` still reaches every province first.

The rows are plain dicts in the shape an import row has after cleaning (the unit is its code), so
the generator needs no database and the same seed always gives the same network. Demo codes start
with `DEMO-`, which no imported site is expected to use; reloading replaces exactly those sites.

Contact data is made up: names from common Vietnamese surnames, middle and given names, mobile
numbers with real carrier prefixes, and e-mail addresses under the reserved `.example` top-level
domain so that nothing sent from a demo ever reaches a real mailbox.
"""

import random
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from diemcau.accounts.services import add_user
from diemcau.sites.models import Connection, Site, SiteKind, SiteStatus
from diemcau.textnorm import fold
from diemcau.units import organisations
from diemcau.units.models import Level, Unit
from diemcau.units.services import UnitSpec, iter_unit_specs

Progress = Callable[[int, int], None]

DEMO_PREFIX = "DEMO-"
DEMO_PASSWORD = "diemcau2025"  # noqa: S105 - published on purpose: it is the demo's password
BATCH_SIZE = 2_000
EMAIL_DOMAIN = "gov.example"  # RFC 2606: never delivered
_NOT_LABEL = re.compile(r"[^a-z0-9]")

# -- people -----------------------------------------------------------------------------------
# Surnames weighted roughly by their share of the population.
_SURNAMES: tuple[tuple[str, int], ...] = (
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 30),
    ("Huỳnh", 21),
    ("Phan", 45),
    ("Vũ", 20),
    ("Võ", 19),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 5),
    ("Trương", 5),
    ("Đào", 4),
    ("Lương", 3),
    ("Mai", 3),
    ("Tạ", 2),
    ("Hà", 3),
    ("Lò", 1),
    ("Vi", 1),
)
_MALE_MIDDLE = ("Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Xuân", "Mạnh")
_FEMALE_MIDDLE = ("Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Hồng", "Kim", "Phương")
_MALE_GIVEN = (
    "Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Huy", "Khánh", "Long", "Minh", "Nam",
    "Phong", "Quân", "Sơn", "Thắng", "Trung", "Tuấn", "Việt", "Hiếu", "Hoàng", "Tâm", "Thành",
    "Tùng", "Vinh", "Khoa", "Lâm", "Nghĩa", "Phúc", "Toàn",
)  # fmt: skip
_FEMALE_GIVEN = (
    "Anh", "Hà", "Hằng", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc", "Nhung",
    "Phương", "Quỳnh", "Thảo", "Thủy", "Trang", "Vân", "Yến", "Hiền", "Huyền", "Loan", "Oanh",
    "Dung", "Giang", "Hồng", "Lệ", "My", "Tâm", "Xuân",
)  # fmt: skip
# Mobile prefixes in use (Viettel, VinaPhone, MobiFone, Vietnamobile, Gmobile).
_MOBILE_PREFIXES = (
    "032", "033", "034", "035", "036", "037", "038", "039", "052", "056", "058", "059", "070",
    "076", "077", "078", "079", "081", "082", "083", "084", "085", "086", "088", "089", "090",
    "091", "092", "093", "094", "096", "097", "098", "099",
)  # fmt: skip
_STREETS = (
    "Trần Hưng Đạo", "Lê Lợi", "Nguyễn Huệ", "Hùng Vương", "Quang Trung", "Hai Bà Trưng",
    "Lý Thường Kiệt", "Nguyễn Trãi", "Trần Phú", "Lê Duẩn", "Điện Biên Phủ", "Phan Đình Phùng",
    "Võ Nguyên Giáp", "Lê Hồng Phong", "Ngô Quyền", "Bà Triệu", "Hoàng Văn Thụ",
    "Nguyễn Thị Minh Khai", "Tôn Đức Thắng", "Lê Thánh Tông", "Nguyễn Du", "Phạm Văn Đồng",
)  # fmt: skip
_VILLAGES = (
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Tân Lập", "Hòa Bình", "Đồng Tâm", "Tiền Phong",
    "Thống Nhất", "Quyết Tiến", "Tân Tiến", "Phú Thọ", "An Lạc", "Bình Minh", "Đoàn Kết",
)  # fmt: skip

_CONNECTIONS = (Connection.INTERNET, Connection.GOVNET, Connection.VIDEOCONF, Connection.MOBILE)
_STATUSES = (SiteStatus.REGISTERED, SiteStatus.READY, SiteStatus.WITHDRAWN)

# Departments with a site in every province: (name, kind). The armed forces' names depend on the
# province ("Công an thành phố Hà Nội"), so they are built per province below.
_DEPARTMENTS = (
    ("Sở Nội vụ", SiteKind.SECTOR),
    ("Sở Tài chính", SiteKind.SECTOR),
    ("Sở Giáo dục và Đào tạo", SiteKind.SECTOR),
    ("Sở Y tế", SiteKind.SECTOR),
)


class _Maker:
    """Draws every random value from one `random.Random`, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._surnames = [s for s, _ in _SURNAMES]
        self._surname_weights = [w for _, w in _SURNAMES]

    def person(self) -> str:
        rng = self.rng
        surname = rng.choices(self._surnames, self._surname_weights)[0]
        if rng.random() < 0.5:
            return f"{surname} {rng.choice(_MALE_MIDDLE)} {rng.choice(_MALE_GIVEN)}"
        return f"{surname} {rng.choice(_FEMALE_MIDDLE)} {rng.choice(_FEMALE_GIVEN)}"

    def phone(self) -> str:
        return self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10_000_000):07d}"

    def email(self, person: str, domain: str) -> str:
        """Government style: given name + initials of the other names, "hungnv@…"."""
        local = _mailbox(person)
        if self.rng.random() < 0.3:
            local += str(self.rng.randint(1, 99))
        return f"{local}@{domain}"

    def connection(self, *, central: bool = False) -> str:
        weights = (15, 35, 50, 0) if central else (50, 28, 18, 4)
        return str(self.rng.choices(_CONNECTIONS, weights)[0])

    def status(self) -> str:
        return str(self.rng.choices(_STATUSES, (52, 46, 2))[0])

    def street_address(self) -> str:
        return f"Số {self.rng.randint(1, 320)} {self.rng.choice(_STREETS)}"

    def village_address(self) -> str:
        return f"Thôn {self.rng.choice(_VILLAGES)}"


@lru_cache(maxsize=4096)
def _mailbox(person: str) -> str:
    words = fold(person).split()
    return words[-1] + "".join(w[0] for w in words[:-1])


@lru_cache(maxsize=4096)
def _slug(name: str) -> str:
    """A domain label from a place name: "Phường Hoàn Kiếm" → "hoankiem", "Ea H'Leo" → "eahleo"."""
    folded = fold(name)
    for prefix in ("thanh pho ", "tinh ", "phuong ", "xa ", "dac khu "):
        if folded.startswith(prefix):
            folded = folded.removeprefix(prefix)
            break
    return _NOT_LABEL.sub("", folded)


@lru_cache(maxsize=1)
def _tree() -> tuple[UnitSpec, ...]:
    """The real tree as the package has it (no database needed); read once per process."""
    return tuple(iter_unit_specs())


def _lowered(name: str) -> str:
    return name[:1].lower() + name[1:]


def generate_demo_sites(n_sites: int, seed: int) -> list[dict[str, Any]]:
    """The first `n_sites` demo sites in priority order; the same seed gives the same rows.

    Each row has the site fields with `unit` as the unit's code. Codes are `DEMO-<unit>-<k>`,
    `k` counting the unit's sites from 1.
    """
    if n_sites <= 0:
        return []
    maker = _Maker(seed)
    rng = maker.rng
    specs = _tree()
    provinces = [s for s in specs if s.level == Level.PROVINCE and s.province_code == s.code]
    province_by_code = {p.code: p for p in provinces}
    communes = [s for s in specs if s.level == Level.COMMUNE]
    communes_of: dict[str, list[UnitSpec]] = {p.code: [] for p in provinces}
    for commune in communes:
        communes_of[str(commune.province_code)].append(commune)
    wards_of = {
        code: [c for c in items if c.division_type == "phường"] or items
        for code, items in communes_of.items()
    }
    hanoi_wards = wards_of["01"]
    counters: dict[str, int] = {}
    rows: list[dict[str, Any]] = []

    def add(
        unit: str,
        name: str,
        *,
        kind: str,
        host: str,
        address: str,
        domain: str,
        seats: tuple[int, int],
        central: bool = False,
    ) -> bool:
        """Append one site; False once `n_sites` rows exist (the caller stops)."""
        counters[unit] = counters.get(unit, 0) + 1
        contact, tech = maker.person(), maker.person()
        rows.append(
            {
                "code": f"{DEMO_PREFIX}{unit}-{counters[unit]}",
                "name": name,
                "unit": unit,
                "kind": str(kind),
                "address": address,
                "seats": rng.randint(*seats) // 10 * 10,
                "host_organisation": host,
                "contact_name": contact,
                "contact_phone": maker.phone(),
                "contact_email": maker.email(contact, domain),
                "tech_name": tech,
                "tech_phone": maker.phone(),
                "tech_email": maker.email(tech, domain),
                "connection": maker.connection(central=central),
                "status": SiteStatus.READY.value
                if unit == organisations.CENTRAL_CODE
                else maker.status(),
            }
        )
        return len(rows) < n_sites

    def hanoi_address() -> str:
        return f"{maker.street_address()}, {rng.choice(hanoi_wards).name}, Thành phố Hà Nội"

    for row_maker in (
        _central_sites(add, hanoi_address),
        _province_sites(add, maker, provinces, wards_of),
        _commune_sites(add, maker, communes_of, province_by_code),
        _extra_sites(add, maker, communes, province_by_code),
    ):
        for more in row_maker:
            if not more:
                return rows
    return rows  # pragma: no cover - the extra sites never run out


_Add = Callable[..., bool]


def _central_sites(add: _Add, hanoi_address: Callable[[], str]) -> Iterator[bool]:
    """The studio first, then one site per central body."""
    central = organisations.CENTRAL_CODE
    academy = next(b for b in organisations.CENTRAL_BODIES if b.suffix == "HVCTQG")
    yield add(
        central,
        f"Điểm cầu Trung ương – {academy.name}",
        kind=SiteKind.PARTY,
        host=academy.name,
        address="135 Nguyễn Phong Sắc, Phường Nghĩa Đô, Thành phố Hà Nội",
        domain="hcma." + EMAIL_DOMAIN,
        seats=(500, 500),
        central=True,
    )
    for body in organisations.CENTRAL_BODIES:
        if body.suffix in ("BQP", "BCA"):
            kind = SiteKind.ARMED_FORCES
        elif body.division_type == "cơ quan Đảng":
            kind = SiteKind.PARTY
        elif body.division_type == "Mặt trận":
            kind = SiteKind.FRONT
        else:
            kind = SiteKind.STATE
        yield add(
            f"{central}.{body.suffix}",
            f"Điểm cầu {body.name}",
            kind=kind,
            host=body.name,
            address=hanoi_address(),
            domain=body.suffix.lower() + "." + EMAIL_DOMAIN,
            seats=(100, 300),
            central=True,
        )


def _province_sites(
    add: _Add, maker: _Maker, provinces: list[UnitSpec], wards_of: dict[str, list[UnitSpec]]
) -> Iterator[bool]:
    """Per province: People's Committee hall, party committee, Front, departments, forces."""
    rng = maker.rng
    for p in provinces:
        domain = f"{_slug(p.name)}.{EMAIL_DOMAIN}"
        lowered = _lowered(p.name)

        def address(p: UnitSpec = p) -> str:
            return f"{maker.street_address()}, {rng.choice(wards_of[p.code]).name}, {p.name}"

        committee, front = organisations.province_bodies(p.name, p.division_type)
        yield add(
            p.code,
            f"Hội trường UBND {p.name}",
            kind=SiteKind.STATE,
            host=f"Ủy ban nhân dân {lowered}",
            address=address(),
            domain=domain,
            seats=(200, 500),
        )
        yield add(
            f"{p.code}.{committee.suffix}",
            f"Hội trường {committee.name}",
            kind=SiteKind.PARTY,
            host=committee.name,
            address=address(),
            domain=domain,
            seats=(200, 500),
        )
        yield add(
            f"{p.code}.{front.suffix}",
            f"Điểm cầu {front.name}",
            kind=SiteKind.FRONT,
            host=front.name,
            address=address(),
            domain=domain,
            seats=(100, 300),
        )
        military = "Bộ Tư lệnh Thủ đô Hà Nội" if p.code == "01" else f"Bộ Chỉ huy quân sự {lowered}"
        sites = [(f"{d} {lowered}", kind) for d, kind in _DEPARTMENTS]
        sites += [(f"Công an {lowered}", SiteKind.ARMED_FORCES), (military, SiteKind.ARMED_FORCES)]
        for host, kind in sites:
            yield add(
                p.code,
                f"Điểm cầu {host}",
                kind=kind,
                host=host,
                address=address(),
                domain=domain,
                seats=(60, 250),
            )


def _commune_address(maker: _Maker, commune: UnitSpec, province: UnitSpec) -> str:
    place = maker.street_address() if commune.division_type == "phường" else maker.village_address()
    return f"{place}, {commune.name}, {province.name}"


def _commune_sites(
    add: _Add,
    maker: _Maker,
    communes_of: dict[str, list[UnitSpec]],
    province_by_code: dict[str, UnitSpec],
) -> Iterator[bool]:
    """Three passes over every commune (party, People's Committee, Front).

    Each pass takes the provinces' communes in turn (first commune of every province, then the
    second…), so a small demo is spread over the whole country rather than Hà Nội alone.
    """
    order: list[UnitSpec] = []
    lists = list(communes_of.values())
    for i in range(max(len(items) for items in lists)):
        order.extend(items[i] for items in lists if i < len(items))
    passes = (
        ("Hội trường Đảng ủy {name}", "Đảng ủy {lowered}", SiteKind.PARTY),
        ("Hội trường UBND {name}", "Ủy ban nhân dân {lowered}", SiteKind.STATE),
        ("Điểm cầu Ủy ban MTTQ {name}", "Ủy ban MTTQ Việt Nam {lowered}", SiteKind.FRONT),
    )
    for site_name, host, kind in passes:
        for commune in order:
            province = province_by_code[str(commune.province_code)]
            names = {"name": commune.name, "lowered": _lowered(commune.name)}
            yield add(
                commune.code,
                site_name.format(**names),
                kind=kind,
                host=host.format(**names),
                address=_commune_address(maker, commune, province),
                domain=f"{_slug(commune.name)}.{_slug(province.name)}.{EMAIL_DOMAIN}",
                seats=(50, 250),
            )


def _extra_sites(
    add: _Add, maker: _Maker, communes: list[UnitSpec], province_by_code: dict[str, UnitSpec]
) -> Iterator[bool]:
    """Beyond the three per commune: neighbourhood and village sites in random communes."""
    extra: dict[str, int] = {}
    while True:
        commune = maker.rng.choice(communes)
        province = province_by_code[str(commune.province_code)]
        k = extra[commune.code] = extra.get(commune.code, 0) + 1
        place = f"Tổ dân phố số {k}" if commune.division_type == "phường" else f"Thôn số {k}"
        yield add(
            commune.code,
            f"Điểm cầu {place} – {commune.name}",
            kind=SiteKind.PARTY,
            host=f"Chi bộ {_lowered(place)}",
            address=f"Nhà văn hóa {_lowered(place)}, {commune.name}, {province.name}",
            domain=f"{_slug(commune.name)}.{_slug(province.name)}.{EMAIL_DOMAIN}",
            seats=(30, 120),
        )


# Columns written by the loader, in order; on a code already present every one but `code` and
# `created_at` is replaced.
_COLUMNS = (
    "code",
    "name",
    "name_folded",
    "unit_id",
    "province_id",
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
    "created_at",
    "updated_at",
)


def _upsert_sql(source: str | None = None) -> str:
    """INSERT … ON CONFLICT (code) DO UPDATE (SQLite ≥ 3.24 and PostgreSQL).

    One row of parameters, for executemany, or every row of the `source` table.
    """
    q = connection.ops.quote_name
    table = q(Site._meta.db_table)
    columns = ", ".join(q(c) for c in _COLUMNS)
    kept = ("code", "created_at")
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in _COLUMNS if c not in kept)
    if source is None:
        rows = "VALUES (" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    else:
        # Identifiers only, quoted; WHERE true is what SQLite's upsert grammar wants after SELECT.
        rows = f"SELECT {columns} FROM {q(source)} WHERE true"  # noqa: S608
    # Identifiers come from the model, quoted; every value is a parameter.
    return (
        f"INSERT INTO {table} ({columns}) {rows} ON CONFLICT ({q('code')}) DO UPDATE SET {updates}"
    )


@transaction.atomic
def load_demo_sites(n_sites: int, seed: int, progress: Progress | None = None) -> int:
    """Replace the demo sites (codes `DEMO-…`) by `n_sites` generated ones; returns the count.

    Rows are upserted by code, so a demo site keeps its id across reloads and whatever points at
    it (an operator's grant) stays valid; demo sites the new network no longer has are deleted.
    Sites with other codes are never touched. Needs the unit tree loaded.

    Bulk path as DESIGN.md asks (executemany / COPY, not bulk_create): on PostgreSQL the rows are
    COPied into a temporary table and upserted from it in one statement; elsewhere one upsert
    statement runs through executemany. Progress is reported every 2,000 rows.
    """
    rows = generate_demo_sites(n_sites, seed)
    units = {code: (pk, province) for code, pk, province in _unit_ids()}
    missing = sorted({r["unit"] for r in rows} - units.keys())
    if missing:
        raise ValueError(
            f"Chưa nạp đủ đơn vị hành chính (thiếu {len(missing)}, ví dụ {missing[0]}): "
            "chạy `diemcau load-units` trước."
        )
    wanted = {r["code"] for r in rows}
    stale = [
        pk
        for pk, code in Site.objects.filter(code__startswith=DEMO_PREFIX).values_list("pk", "code")
        if code not in wanted
    ]
    for start in range(0, len(stale), BATCH_SIZE):
        Site.objects.filter(pk__in=stale[start : start + BATCH_SIZE]).delete()
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        unit_id, province_id = units[row["unit"]]
        return (
            row["code"],
            row["name"],
            fold(row["name"]),
            unit_id,
            province_id,
            row["kind"],
            row["address"],
            row["seats"],
            row["host_organisation"],
            row["contact_name"],
            row["contact_phone"],
            row["contact_email"],
            row["tech_name"],
            row["tech_phone"],
            row["tech_email"],
            row["connection"],
            row["status"],
            now,
            now,
        )

    total = len(rows)
    if progress:
        progress(0, total)
    if connection.vendor == "postgresql":
        _copy_upsert(rows, values, progress)
    else:
        sql = _upsert_sql()
        with connection.cursor() as cursor:
            for start in range(0, total, BATCH_SIZE):
                cursor.executemany(sql, [values(r) for r in rows[start : start + BATCH_SIZE]])
                if progress:
                    progress(min(start + BATCH_SIZE, total), total)
    return total


def _copy_upsert(
    rows: list[dict[str, Any]],
    values: Callable[[dict[str, Any]], tuple[Any, ...]],
    progress: Progress | None,
) -> None:
    """PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT."""
    q = connection.ops.quote_name
    staging = "diemcau_demo_sites"
    columns = ", ".join(q(c) for c in _COLUMNS)
    total = len(rows)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {q(staging)}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {q(staging)} AS "  # noqa: S608 - quoted model identifiers
            f"SELECT {columns} FROM {q(Site._meta.db_table)} WITH NO DATA"
        )
        with cursor.copy(f"COPY {q(staging)} ({columns}) FROM STDIN") as copy:
            for start in range(0, total, BATCH_SIZE):
                for row in rows[start : start + BATCH_SIZE]:
                    copy.write_row(values(row))
                if progress and start + BATCH_SIZE < total:
                    progress(start + BATCH_SIZE, total)
        cursor.execute(_upsert_sql(staging))
        cursor.execute(f"DROP TABLE {q(staging)}")
    if progress:
        progress(total, total)


def _unit_ids() -> list[tuple[str, int, int | None]]:
    return list(Unit.objects.values_list("code", "pk", "province_id"))


# -- accounts ---------------------------------------------------------------------------------
HOAN_KIEM = "00070"  # Phường Hoàn Kiếm, Hà Nội: the operator's sites are there when they exist


def _operator_sites() -> list[str]:
    """Two Hà Nội demo sites for the demo operator: Hoàn Kiếm's if present, else the first two."""
    demo = Site.objects.filter(code__startswith=DEMO_PREFIX, province__code="01")
    preferred = list(
        demo.filter(unit__code=HOAN_KIEM).order_by("code").values_list("code", flat=True)[:2]
    )
    return preferred or list(demo.order_by("code").values_list("code", flat=True)[:2])


def load_demo_accounts() -> list[str]:
    """Create the demo accounts that do not exist yet; lines (Vietnamese) for the console.

    Existing users are left as they are (password and grants alike), so running it again, or on
    a server where someone already made a user of the same name, changes nothing.
    """

    def province_name(code: str) -> str:
        unit = Unit.objects.filter(code=code).first()
        return unit.name if unit else code

    operator_sites = _operator_sites()
    accounts: list[tuple[str, str, str | None, str]] = [
        ("bantochuc", "central_organiser", None, "Ban tổ chức Trung ương, toàn quyền"),
        ("hanoi", "province_organiser", "01", f"Ban tổ chức {province_name('01')}"),
        ("hue", "province_organiser", "46", f"Ban tổ chức {province_name('46')}"),
        (
            "diemcau",
            "site_operator",
            ",".join(operator_sites),
            "Vận hành điểm cầu " + ", ".join(operator_sites),
        ),
        ("bonoivu", "sector_answerer", "noi-vu", "Bộ Nội vụ, trả lời câu hỏi lĩnh vực nội vụ"),
        ("xem", "viewer", None, "Chỉ xem, toàn quốc"),
    ]
    users = get_user_model().objects
    lines = [
        f"Mật khẩu mẫu “{DEMO_PASSWORD}” chỉ để dùng thử: "
        "đổi hoặc xóa các tài khoản mẫu trước khi dùng thật."
    ]
    for username, role, scope, label in accounts:
        if users.filter(username=username).exists():
            lines.append(f"Tài khoản mẫu: {username} (đã có, giữ nguyên) — {label}")
            continue
        if role == "site_operator" and not operator_sites:
            lines.append(f"Bỏ qua tài khoản mẫu {username}: chưa có điểm cầu mẫu ở Hà Nội.")
            continue
        add_user(username, role, scope, password=DEMO_PASSWORD, demo=True)
        lines.append(f"Tài khoản mẫu: {username} / {DEMO_PASSWORD} — {label}")
    return lines
