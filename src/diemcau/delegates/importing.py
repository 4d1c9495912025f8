"""Bulk import of delegates (1.5 million people over 11,000 sites) from CSV or XLSX.

Files come from thousands of site operators and are messy: a title block above the header,
headers in many spellings, Unicode in NFC or NFD, CCCD numbers and phones that Excel turned into
numbers. Every problem is reported with its row number, column and reason in Vietnamese, and the
file is written all or nothing: good rows go to the database in chunks while the rest is still
being checked, inside one transaction that is rolled back when any row is bad — unless the caller
chose to skip bad rows. A dry run writes nothing.

Speed (DESIGN.md: bulk loads go through executemany/COPY, not bulk_create): the sites are indexed
once in a dict (code → id, province, writable by the caller), rows are checked in plain Python
with no ORM call per row and become the very tuples the INSERT takes, and writing.Writer sends
them through the DB-API cursor — executemany on SQLite, COPY on PostgreSQL.
"""

import gc
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from unicodedata import is_normalized as is_nfc
from unicodedata import normalize

from django.db import IntegrityError, connection, transaction

from diemcau.accounts.scopes import Scope
from diemcau.delegates import pipeline
from diemcau.delegates.cleaning import (
    LIMITS,
    clean_email,
    clean_phone,
    clean_site_code,
    phone_error,
)
from diemcau.delegates.codes import codes_for
from diemcau.delegates.models import Delegate
from diemcau.delegates.pii import (
    BIRTH_PROVINCES,
    HASH_CHARS,
    NationalIdError,
    clean_national_id,
    hmac_pads,
)
from diemcau.delegates.signals import delegates_changed
from diemcau.delegates.writing import Row15, Writer, without_fk_checks
from diemcau.sites.importing import RowError
from diemcau.sites.models import Site
from diemcau.tabular import Header, Row, TableError, alias_index, find_header, read_table

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 10_000
_SHORTEST_LIMIT = min(LIMITS[k] for k in ("full_name", "position", "workplace", "group"))
CHUNK = 20_000  # rows handed to the writer at a time
MAX_ERRORS = 10_000  # beyond this the report counts bad rows but lists no more of them

# Canonical key → (header written by the template, other accepted headers…), compared folded
# and without punctuation or notes in brackets (tabular.header_key).
COLUMNS: dict[str, tuple[str, ...]] = {
    "site": ("Mã điểm cầu", "Mã ĐC", "Điểm cầu", "Mã điểm", "site_code", "site"),
    "full_name": (
        "Họ và tên",
        "Họ tên",
        "Họ và tên đại biểu",
        "Họ tên đại biểu",
        "Tên đại biểu",
        "Đại biểu",
        "full_name",
        "name",
    ),
    "national_id": (
        "Số CCCD",
        "CCCD",
        "Số căn cước",
        "Số căn cước công dân",
        "Căn cước công dân",
        "Số định danh",
        "Số định danh cá nhân",
        "CCCD/Định danh",
        "Số CCCD/Định danh cá nhân",
        "CMND/CCCD",
        "Số CMND/CCCD",
        "national_id",
    ),
    "position": ("Chức vụ", "Chức danh", "Chức vụ/chức danh", "position"),
    "workplace": (
        "Đơn vị công tác",
        "Cơ quan công tác",
        "Nơi công tác",
        "Cơ quan, đơn vị",
        "Cơ quan/đơn vị",
        "Cơ quan",
        "workplace",
    ),
    "group": ("Nhóm", "Tổ", "Thành phần", "Nhóm đại biểu", "group"),
    "phone": ("Số điện thoại", "Điện thoại", "SĐT", "Số ĐT", "Di động", "phone"),
    "email": ("Email", "E-mail", "Thư điện tử", "email"),
}
HEADERS: dict[str, str] = {key: names[0] for key, names in COLUMNS.items()}
REQUIRED = ("site", "full_name", "national_id")
_ALIASES = alias_index(COLUMNS)
_OPTIONAL = ("position", "workplace", "group", "phone", "email")


# -- the report ------------------------------------------------------------------------------
@dataclass
class DelegateImportReport:
    """What an import did (or, in a dry run, would do): the shape of sites' ImportReport."""

    total_rows: int = 0
    created: int = 0
    empty_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    bad_row_numbers: set[int] = field(default_factory=set)
    written: bool = False
    dry_run: bool = False
    skip_bad: bool = False
    header_row: int = 0
    file_error: bool = False
    omitted: int = 0  # errors counted but not listed, past MAX_ERRORS
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for bench/

    @property
    def bad_rows(self) -> int:
        return len(self.bad_row_numbers)

    @property
    def ok(self) -> bool:
        """The import did (or would do) what was asked: skipping bad rows imports nothing, and
        fails, when no row is good."""
        if self.file_error:
            return False
        if self.skip_bad:
            return not self.bad_row_numbers or self.created > 0
        return not self.bad_row_numbers

    def add(self, row: int, column: str, message: str) -> None:
        self.bad_row_numbers.add(row)
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, message))
        else:
            self.omitted += 1

    def fail(self, message: str, row: int = 0) -> None:
        self.file_error = True
        self.errors.append(RowError(row, "", message))

    def summary(self) -> str:
        if self.file_error:
            return "Không nhập được tệp: " + "; ".join(e.message for e in self.errors)
        if nothing := self.nothing_usable():
            return nothing
        skipped = f"; bỏ qua {self.bad_rows} dòng lỗi" if self.bad_rows else ""
        if self.dry_run:
            if self.bad_rows and not self.skip_bad:
                return (
                    f"Kiểm tra thử {self.total_rows} dòng: {self.bad_rows} dòng có lỗi, khi nhập "
                    f"thật sẽ không ghi gì. Nếu bỏ qua các dòng lỗi thì sẽ thêm {self.created} "
                    "đại biểu. Chưa ghi gì vào cơ sở dữ liệu."
                )
            return (
                f"Kiểm tra thử {self.total_rows} dòng: sẽ thêm {self.created} đại biểu{skipped}. "
                "Chưa ghi gì vào cơ sở dữ liệu."
            )
        if not self.written:
            return (
                f"Không ghi gì: {self.bad_rows} trong {self.total_rows} dòng có lỗi. Hãy sửa rồi "
                "nhập lại, hoặc chọn bỏ qua dòng lỗi để chỉ nhập các dòng đúng."
            )
        return f"Đã nhập {self.total_rows} dòng: thêm {self.created} đại biểu{skipped}."

    def nothing_usable(self) -> str:
        """The summary when no row could be imported whatever the user chose; "" otherwise."""
        if self.skip_bad and self.bad_rows and not self.created:
            # Skipping bad rows was chosen already: advising it again would send the user round
            # in a circle. Say that no row was usable, and where the problems are.
            verb = "Kiểm tra thử" if self.dry_run else "Không ghi gì"
            return (
                f"{verb}: cả {self.bad_rows} trong {self.total_rows} dòng đều có lỗi, không còn "
                f"dòng đúng nào để nhập ({self.why()}). Hãy sửa các dòng theo danh sách lỗi rồi "
                "nhập lại."
            )
        if not self.total_rows and not self.dry_run:
            return "Không ghi gì: tệp không có dòng đại biểu nào dưới dòng tiêu đề."
        return ""

    def why(self) -> str:
        """The columns the errors are in, most first, and the first error as an example."""
        by_column = Counter(e.column or "—" for e in self.errors if e.row)
        columns = "; ".join(f"cột “{c}”: {n} lỗi" for c, n in by_column.most_common(3))
        first = min((e for e in self.errors if e.row), key=lambda e: e.row, default=None)
        example = f"; ví dụ dòng {first.row}: {first.message}" if first else ""
        return columns + example

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "empty_rows": self.empty_rows,
            "bad_rows": self.bad_rows,
            "written": self.written,
            "dry_run": self.dry_run,
            "summary": self.summary(),
            "errors": [e.as_dict() for e in sorted(self.errors, key=lambda e: e.row)],
            "errors_truncated": self.omitted > 0,
        }


# -- sites -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SiteEntry:
    id: int
    code: str
    province_id: int | None
    writable: bool
    readable: bool


class SiteIndex:
    """Every site by code (exact and upper-case), with the caller's rights: one query each."""

    def __init__(self, scope: Scope) -> None:
        write_q = scope.site_write_q()
        read_q = scope.site_read_q()
        writable: set[int] = set()
        readable: set[int] = set()
        if write_q is not None:
            writable = set(Site.objects.filter(write_q).values_list("pk", flat=True))
        if read_q is not None:
            readable = set(Site.objects.filter(read_q).values_list("pk", flat=True))
        self.by_code: dict[str, SiteEntry] = {}
        self.by_id: dict[int, SiteEntry] = {}
        self.upper: dict[str, SiteEntry] = {}
        for pk, code, province_id in Site.objects.values_list("pk", "code", "province_id"):
            entry = SiteEntry(pk, code, province_id, pk in writable, pk in readable)
            self.by_code[code] = entry
            self.by_id[pk] = entry
            self.upper.setdefault(code.upper(), entry)

    def find(self, raw: str) -> SiteEntry | None:
        entry = self.by_code.get(raw)
        if entry is None:
            code = clean_site_code(raw)
            entry = self.by_code.get(code) or self.upper.get(code.upper())
        return entry


# -- checking --------------------------------------------------------------------------------


@dataclass
class _Columns:
    """Column positions; a missing optional column points at an always-empty pad cell."""

    header: Header
    width: int
    index: dict[str, int]

    @classmethod
    def of(cls, header: Header) -> "_Columns":
        width = max(header.columns.values()) + 1
        index = {key: header.columns.get(key, width) for key in COLUMNS}
        return cls(header, width + 1, index)

    def title(self, key: str) -> str:
        return self.header.titles.get(key, HEADERS[key])


def _in_process(check: Callable[..., int], rows: Iterable[Row], report: Any, **kwargs: Any) -> int:
    return check(rows=rows, report=report, **kwargs)


def _check_rows(  # noqa: PLR0912, PLR0915 - the hot loop, kept flat on purpose
    *,
    columns: _Columns,
    rows: Iterable[Row],
    sites: SiteIndex,
    report: DelegateImportReport,
    known: dict[str, tuple[str, int]],
    sink: Callable[[list[Row15]], None] | None,
    first_id: int,
    now: Any,
    progress: Progress | None,
    total: int,
) -> int:
    """Check every row in plain Python, report the bad ones; return how many are good.

    Good rows become the very tuples the INSERT / COPY takes (writing.COLUMNS), with ids from
    `first_id` on, and go to `sink` in chunks as long as they will be kept: all along with
    skip_bad, otherwise until the first bad row (the transaction is then rolled back anyway).
    """
    ix = columns.index
    i_site, i_name, i_id = ix["site"], ix["full_name"], ix["national_id"]
    i_pos, i_work, i_group, i_phone, i_email = (ix[k] for k in _OPTIONAL)
    width = columns.width
    pad = [""] * width
    titles = {key: columns.title(key) for key in COLUMNS}
    exact_site = sites.by_code.get
    find_site = sites.find
    provinces = BIRTH_PROVINCES
    inner, outer = hmac_pads()
    seen: dict[str, int] = {}
    known_get = known.get if known else None
    good: list[Row15] = []
    good_count = 0
    next_id = first_id
    codes = codes_for(next_id, CHUNK)
    secrets = os.urandom(16 * CHUNK).hex()
    skip_bad = report.skip_bad
    bad_numbers = report.bad_row_numbers
    add = report.add
    done = empty = 0
    for number, raw_cells in rows:
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, max(total, done))
        cells = raw_cells if len(raw_cells) >= width else raw_cells + pad[len(raw_cells) :]
        site_raw, name, id_raw = cells[i_site], cells[i_name], cells[i_id]
        position, workplace, group = cells[i_pos], cells[i_work], cells[i_group]
        phone, email = cells[i_phone], cells[i_email]
        if not (site_raw or name or id_raw or position or workplace or group or phone or email):
            empty += 1
            continue
        bad = False

        site = exact_site(site_raw) or (find_site(site_raw) if site_raw else None)
        if site is None:
            bad = True
            if not site_raw:
                add(number, titles["site"], "Thiếu mã điểm cầu.")
            else:
                add(number, titles["site"], f"Không có điểm cầu mã “{site_raw}”.")
        elif not site.writable:
            bad = True
            add(
                number,
                titles["site"],
                f"Điểm cầu “{site.code}” ngoài phạm vi quản lý của bạn; không được thêm đại biểu.",
            )

        # The four text cells are checked together: one NFC test, one whitespace test, and a
        # length test only when they are long (cells arrive stripped, so no "  " spans two).
        text = name + position + workplace + group
        if not text.isascii() and not is_nfc("NFC", text):
            name, position, workplace, group = (
                normalize("NFC", name),
                normalize("NFC", position),
                normalize("NFC", workplace),
                normalize("NFC", group),
            )
        if "  " in text or "\t" in text or "\n" in text or "\r" in text or "\xa0" in text:
            name, position, workplace, group = (
                " ".join(name.split()),
                " ".join(position.split()),
                " ".join(workplace.split()),
                " ".join(group.split()),
            )
        if not name:
            bad = True
            add(number, titles["full_name"], "Thiếu họ và tên.")
        if len(text) > _SHORTEST_LIMIT:
            for key, value in (
                ("full_name", name),
                ("position", position),
                ("workplace", workplace),
                ("group", group),
            ):
                if len(value) > LIMITS[key]:
                    bad = True
                    add(number, titles[key], f"Dài {len(value)} ký tự, tối đa {LIMITS[key]} ký tự.")

        digits = digest = ""
        if not id_raw:
            bad = True
            add(number, titles["national_id"], "Thiếu số CCCD.")
        elif len(id_raw) == 12 and id_raw.isdigit() and id_raw[:3] in provinces:
            digits = id_raw
        else:
            try:
                digits = clean_national_id(id_raw)
            except NationalIdError as exc:
                bad = True
                add(number, titles["national_id"], str(exc))

        if phone and not (len(phone) == 10 and phone[0] == "0" and phone.isdigit()):
            try:
                phone = clean_phone(phone)
            except ValueError as exc:
                bad = True
                add(number, titles["phone"], str(exc))
        elif phone and phone[1] not in "35789":  # ten digits, but not a mobile number
            bad = True
            add(number, titles["phone"], phone_error(phone))
        if email:
            try:
                email = clean_email(email)
            except ValueError as exc:
                bad = True
                add(number, titles["email"], str(exc))

        if digits:
            # national_id_hash(digits), inlined: HMAC-SHA256 from the precomputed key pads.
            inner_hash = inner.copy()
            inner_hash.update(digits.encode())
            outer_hash = outer.copy()
            outer_hash.update(inner_hash.digest())
            digest = outer_hash.hexdigest()[:HASH_CHARS]
            earlier = seen.get(digest)
            if earlier is not None:
                bad = True
                add(
                    number,
                    titles["national_id"],
                    f"Số CCCD …{digits[-4:]} trùng với dòng {earlier}.",
                )
            else:
                seen[digest] = number
                if known_get is not None and (other := known_get(digest)) is not None:
                    bad = True
                    add(number, titles["national_id"], _known_message(sites, digits[-4:], *other))
        if bad or site is None:
            continue
        k = len(good)
        good.append(
            (
                next_id + k,
                codes[k],
                secrets[32 * k : 32 * k + 32],
                site.id,
                site.province_id,
                name,
                position,
                workplace,
                group,
                phone,
                email,
                digest,
                digits[-4:],
                now,
                now,
            )
        )
        if k + 1 >= CHUNK:
            good_count += CHUNK
            next_id += CHUNK
            if sink is not None and (skip_bad or not bad_numbers):
                sink(good)
            good = []
            codes = codes_for(next_id, CHUNK)
            secrets = os.urandom(16 * CHUNK).hex()
    good_count += len(good)
    if sink is not None and (skip_bad or not bad_numbers):
        sink(good)
    report.empty_rows += empty
    report.total_rows += done - empty
    return good_count


def load_known() -> dict[str, tuple[str, int]]:
    """CCCD hashes already registered → (delegate code, site id); one query, none if empty."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM delegates_delegate LIMIT 1")
        if cursor.fetchone() is None:
            return {}
        cursor.execute("SELECT national_id_hash, code, site_id FROM delegates_delegate")
        return {digest: (code, site_id) for digest, code, site_id in cursor.fetchall()}


def _known_message(sites: SiteIndex, last4: str, code: str, site_id: int) -> str:
    site = sites.by_id.get(site_id)
    if site is not None and site.readable:
        return f"Số CCCD …{last4} đã có trong hệ thống: đại biểu mã {code} (điểm cầu {site.code})."
    # The person exists outside the caller's scope: say so without saying who or where.
    return f"Số CCCD …{last4} đã được đăng ký ở một điểm cầu ngoài phạm vi của bạn."


CRASH_ENV = "DIEMCAU_CRASH_AFTER_COMMIT"


def _crash_after_commit_if_asked() -> None:
    """For the crash test: SIGKILL this process as the first thing after the import commits.

    Set DIEMCAU_CRASH_AFTER_COMMIT=import-delegates. Registered as the first on_commit callback,
    so nothing else the import could still do after its commit gets to run.
    """
    if os.environ.get(CRASH_ENV) == "import-delegates":
        transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))


class _Rollback(Exception):
    """Leaves transaction.atomic() without committing: the file had bad rows."""


# -- the import ------------------------------------------------------------------------------
def import_delegates(
    scope: Scope,
    source: str | Path | IO[bytes],
    *,
    filename: str | None = None,
    dry_run: bool = False,
    skip_bad: bool = False,
    progress: Progress | None = None,
) -> DelegateImportReport:
    """Check every row of `source` and add its delegates to sites within `scope`.

    Nothing is written when any row is bad, unless `skip_bad`; nothing at all in a `dry_run`,
    whose report still says how many delegates would be added. Good rows are written while the
    rest of the file is still being checked, inside one transaction that is rolled back if a bad
    row turns up (on SQLite the write lock is held from the start: BEGIN IMMEDIATE).
    """
    report = DelegateImportReport(dry_run=dry_run, skip_bad=skip_bad)
    total = 0
    # Millions of new tuples would trigger ever longer full collections that find nothing (the
    # rows hold strings only): ~15 % of the time on 1.5 million rows.
    collecting = gc.isenabled()
    gc.disable()
    try:
        found = _open(source, filename, report)
        if found is None:
            return report
        columns, rows, total = found
        if dry_run:
            sites = SiteIndex(scope)
            report.created = _check_rows(
                columns=columns,
                rows=rows,
                sites=sites,
                report=report,
                known=load_known(),
                sink=None,
                first_id=1,
                now=None,
                progress=progress,
                total=total,
            )
        else:
            started = time.perf_counter()
            with without_fk_checks(), transaction.atomic():
                _crash_after_commit_if_asked()  # first of the callbacks: for the crash test
                # Sites and known CCCDs are read under the write lock (SQLite: BEGIN IMMEDIATE;
                # PostgreSQL: the Writer's table lock), so they cannot change until we commit.
                with Writer(capacity=total) as writer:
                    check = pipeline.check_in_child if pipeline.available(total) else _in_process
                    report.created = check(
                        _check_rows,
                        rows,
                        report,
                        sink=writer.put,
                        progress=progress,
                        columns=columns,
                        sites=SiteIndex(scope),
                        known=load_known(),
                        first_id=writer.first_id,
                        now=writer.now,
                        total=total,
                    )
                report.timings.update(writer.timings)
                if report.bad_rows and not skip_bad:
                    raise _Rollback
                report.written = report.created > 0
                # Counters move in this transaction, not after it: a process killed between the
                # commit and an on_commit callback left every `registered` count unwritten.
                counting = time.perf_counter()
                delegates_changed.send(Delegate, site_ids=sorted(writer.site_ids))
                committing = time.perf_counter()
                report.timings["counters_s"] = committing - counting
            report.timings["commit_s"] = time.perf_counter() - committing
            report.timings["total_s"] = time.perf_counter() - started
    except _Rollback:
        report.written = False
    except TableError as exc:
        report.fail(exc.message, exc.row)
        report.written = False
    except IntegrityError:  # pragma: no cover - guarded by the locks above
        # PostgreSQL only: another import registered one of these people between our check
        # and our COPY (SQLite holds the write lock from the check on). Nothing was written.
        report.fail("Một lần nhập khác vừa đăng ký trùng đại biểu; không ghi gì, hãy nhập lại.")
        report.written = False
    finally:
        if collecting:
            gc.enable()
    if progress is not None:
        progress(total, total)
    return report


def _open(
    source: str | Path | IO[bytes], filename: str | None, report: DelegateImportReport
) -> tuple[_Columns, Iterable[Row], int] | None:
    name = filename or (str(source) if isinstance(source, str | Path) else "")
    is_csv = Path(name).suffix.lower() in (".csv", ".txt", ".tsv")
    total = _count_lines(source) if is_csv else 0
    header, rows = find_header(read_table(source, filename), _ALIASES)
    if header is None:
        report.fail(
            "Không tìm thấy dòng tiêu đề trong 15 dòng đầu; cần ít nhất các cột "
            "“Mã điểm cầu”, “Họ và tên” và “Số CCCD” (xem tệp mẫu)."
        )
        return None
    report.header_row = header.row
    missing = [HEADERS[k] for k in REQUIRED if k not in header.columns]
    if missing:
        names = ", ".join(f"“{m}”" for m in missing)
        report.fail(f"Dòng tiêu đề thiếu cột bắt buộc: {names}.", header.row)
        return None
    if is_csv:
        return _Columns.of(header), rows, total
    listed = list(rows)  # a sheet holds at most 1,048,576 rows
    return _Columns.of(header), listed, len(listed)


def _count_lines(source: str | Path | IO[bytes]) -> int:
    """Lines in a CSV file, for the progress bar (about 0.1 s for 1.5 million rows)."""
    try:
        if isinstance(source, str | Path):
            with Path(source).open("rb") as handle:
                return _newlines(handle)
        source.seek(0)
        return _newlines(source)
    except OSError:
        return 0


def _newlines(handle: IO[bytes]) -> int:
    """An upper bound of the rows: line feeds, or carriage returns in old Mac files."""
    lf = cr = 0
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        lf += chunk.count(b"\n")
        cr += chunk.count(b"\r")
    return max(lf, cr) + 1
