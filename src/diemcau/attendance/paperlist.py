"""Paper sign-in lists back in: a site without a scanner types its list into Excel, and each row
becomes a check-in through the very batch service the site console uses (checkins.record_scans).

Why the same service: the counting rule (one place per person per session), the scope (a site or
province writes only its own sites), the session's window and the counters then hold for lists
exactly as for scans. The check-ins are recorded `source="list"`, so reports tell them apart.

Idempotent: a row's check-in id is derived from (delegate, session) — uploading the same list
twice, or two lists naming the same person, counts them once (the second is reported as already
present). A dry run judges every row as it would be recorded now and writes nothing.

A row names the delegate by code or by CCCD (12 digits, looked up by its keyed hash), the session
(a column, or the one chosen for the whole file) and, optionally, the time of arrival (hh:mm on
the session's day, or a date and time); without a time the session's start is recorded. The
check-in is at the delegate's own site: a paper list is the list of the people of that room.
A delegate outside the caller's readable scope is reported as not found, whatever the reason,
so a list cannot be used to probe who is registered elsewhere.
"""

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings

from diemcau.accounts.scopes import Scope
from diemcau.attendance import reasons
from diemcau.attendance.checkins import (
    ACCEPTED,
    DUPLICATE,
    MAX_SCANS,
    ScanIn,
    record_scans,
)
from diemcau.attendance.models import Source
from diemcau.delegates.codes import normalise
from diemcau.delegates.models import Delegate
from diemcau.delegates.pii import NationalIdError, clean_national_id, national_id_hash
from diemcau.errors import Forbidden
from diemcau.programme.models import Session
from diemcau.sites.models import Site
from diemcau.tabular import Row, TableError, alias_index, header_key, read_table

Progress = Callable[[int, int], None]
MAX_ERRORS = 500  # rows reported one by one; the counts cover the rest
NAMESPACE = uuid.UUID("6f1c2a0e-3d7b-5e4a-9c1d-2b8e7f6a4c10")
HEADERS = {
    "code": ("Mã đại biểu", "Mã ĐB", "Mã", "Delegate code", "Code"),
    "national_id": ("Số CCCD", "CCCD", "Căn cước công dân", "Số định danh", "National ID"),
    "session": ("Phiên", "Mã phiên", "Session"),
    "time": ("Thời gian", "Giờ", "Giờ đến", "Thời điểm", "Time"),
    "name": ("Họ và tên", "Họ tên", "Name"),
}
_ALIASES = alias_index(HEADERS)
REASONS = {
    reasons.INVALID: "thời gian không đọc được hoặc ở tương lai.",
    reasons.UNKNOWN: "không tìm thấy đại biểu.",
    reasons.REVOKED_OR_FORGED: "thẻ đại biểu đã bị thu hồi.",
    reasons.TYPED_OTHER_SITE: "đại biểu đăng ký ở điểm cầu khác.",
    reasons.SESSION_UNKNOWN: "không có phiên này.",
    reasons.SESSION_CLOSED: "thời gian nằm ngoài giờ điểm danh của phiên (từ 3 giờ trước khi "
    "bắt đầu đến khi kết thúc, trong ngày của phiên).",
    reasons.SITE_FORBIDDEN: "bạn không được điểm danh cho điểm cầu của đại biểu này.",
}


@dataclass
class PaperListReport:
    filename: str = ""
    dry_run: bool = True
    rows: int = 0  # rows that name someone (empty rows left out)
    recorded: int = 0  # new check-ins (a dry run: that would be recorded)
    already: int = 0  # checked in before (scan, an earlier list) or twice in this file
    bad: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    fatal: str = ""  # the file could not be read at all

    @property
    def errors_truncated(self) -> bool:
        return self.bad > len(self.errors)

    def error(self, row: int, message: str) -> None:
        self.bad += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "reason": message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "dry_run": self.dry_run,
            "written": not self.dry_run and not self.fatal,
            "rows": self.rows,
            "recorded": self.recorded,
            "already": self.already,
            "bad": self.bad,
            "errors": self.errors,
            "errors_truncated": self.errors_truncated,
            "fatal": self.fatal,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        if self.fatal:
            return self.fatal
        verb = "sẽ được ghi" if self.dry_run else "đã ghi"
        return (
            f"{_n(self.rows)} dòng: {_n(self.recorded)} lượt điểm danh {verb}, "
            f"{_n(self.already)} đã có từ trước, {_n(self.bad)} dòng lỗi."
        )


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


@dataclass(slots=True)
class _Line:
    number: int
    who: str  # the cell as typed, for messages
    code: str | None
    id_hash: str | None
    session: int | None
    time: str
    problem: str = ""  # found while reading the row (a CCCD that is not one)


def check_in_id(code: str, session_id: int) -> str:
    """The same id for the same person and session, whichever list or upload names them."""
    return str(uuid.uuid5(NAMESPACE, f"{code}:{session_id}"))


def import_list(
    scope: Scope,
    source: str | Path | IO[bytes],
    *,
    session: int | None = None,
    filename: str | None = None,
    dry_run: bool = True,
    user_id: int | None = None,
    progress: Progress | None = None,
) -> PaperListReport:
    """Read a paper list and judge (dry run) or record every row; a report either way."""
    if scope.site_write_q() is None:
        raise Forbidden("Bạn không được điểm danh cho điểm cầu nào.")
    name = filename or (str(source) if isinstance(source, str | Path) else "")
    report = PaperListReport(filename=Path(name).name, dry_run=dry_run)
    try:
        lines = list(_lines(read_table(source, name), session, report))
    except TableError as exc:
        report.fatal = exc.message
        return report
    if report.fatal:
        return report
    starts = _session_starts({ln.session for ln in lines if ln.session is not None})
    readable = _readable_sites(scope)
    seen: dict[tuple[str, int], int] = {}
    times: dict[tuple[str, int], dt.datetime | None] = {}
    total = len(lines)
    for start in range(0, total, MAX_SCANS):
        chunk = lines[start : start + MAX_SCANS]
        people = _delegates(chunk)
        scans: list[tuple[_Line, ScanIn]] = []
        for line in chunk:
            scan = _scan(line, _Known(people, starts, readable, seen, times), report)
            if scan is not None:
                scans.append((line, scan))
        if scans:
            result = record_scans(
                scope,
                [s for _line, s in scans],
                user_id=user_id,
                source=Source.LIST,
                dry_run=dry_run,
            )
            _count([line for line, _scan_in in scans], result.results, report)
        if progress is not None:
            progress(min(start + MAX_SCANS, total), total)
    if progress is not None and not total:
        progress(0, 0)
    return report


def _count(lines: list[_Line], outcomes: list[Any], report: PaperListReport) -> None:
    """What the batch service said of each row: new, already present (a scan, an earlier list),
    or refused with its reason in Vietnamese."""
    for line, outcome in zip(lines, outcomes, strict=True):
        if outcome.status == ACCEPTED:
            report.recorded += 1
        elif outcome.status == DUPLICATE or outcome.reason == reasons.ALREADY_CHECKED_IN:
            report.already += 1
        else:
            reason = REASONS.get(outcome.reason or "", "dòng không hợp lệ.")
            report.error(line.number, f"{line.who}: {reason}")


def _lines(rows: Iterator[Row], session: int | None, report: PaperListReport) -> Iterator[_Line]:
    columns: dict[str, int] | None = None
    for number, cells in rows:
        if columns is None:
            found = {
                key: i for i, c in enumerate(cells) if c and (key := _ALIASES.get(header_key(c)))
            }
            if "code" in found or "national_id" in found:
                columns = found
                if "session" not in columns and session is None:
                    report.fatal = (
                        "Tệp không có cột “Phiên”: hãy chọn phiên cho cả danh sách, hoặc thêm "
                        "cột “Phiên” ghi mã phiên."
                    )
                    return
            elif number >= 15:
                break
            continue
        if not any(cells):
            continue
        yield _line(number, cells, columns, session, report)
    if columns is None:
        report.fatal = (
            "Không tìm thấy dòng tiêu đề: danh sách cần một cột “Mã đại biểu” hoặc “Số CCCD” "
            "(và “Phiên”, “Thời gian” nếu có)."
        )


def _cell(cells: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _line(
    number: int,
    cells: list[str],
    columns: dict[str, int],
    session: int | None,
    report: PaperListReport,
) -> _Line:
    report.rows += 1
    code_text = _cell(cells, columns, "code")
    id_text = _cell(cells, columns, "national_id")
    session_text = _cell(cells, columns, "session")
    line = _Line(number, code_text or id_text, None, None, session, _cell(cells, columns, "time"))
    if session_text:
        line.session = int(session_text) if session_text.isdigit() else -1
    if code_text:
        line.code = normalise(code_text) or ""
    elif id_text:
        try:
            line.id_hash = national_id_hash(clean_national_id(id_text))
        except NationalIdError as exc:
            line.problem = str(exc)
    return line


def _delegates(lines: list[_Line]) -> dict[str, tuple[str, int]]:
    """Code or CCCD hash → (code, site id) for the people a chunk names: two queries."""
    codes = {ln.code for ln in lines if ln.code}
    hashes = {ln.id_hash for ln in lines if ln.id_hash}
    found: dict[str, tuple[str, int]] = {}
    if codes:
        for code, site_id in Delegate.objects.filter(code__in=codes).values_list("code", "site_id"):
            found[code] = (code, site_id)
    if hashes:
        for digest, code, site_id in Delegate.objects.filter(
            national_id_hash__in=hashes
        ).values_list("national_id_hash", "code", "site_id"):
            found[digest] = (code, site_id)
    site_codes = dict(
        Site.objects.filter(pk__in={s for _c, s in found.values()}).values_list("pk", "code")
    )
    return {key: (code, site_codes.get(site_id, "")) for key, (code, site_id) in found.items()}  # type: ignore[misc]


def _readable_sites(scope: Scope) -> set[str] | None:
    """Codes of the sites whose delegates the caller may read; None: every site."""
    if scope.everything or scope.reads_everything:
        return None
    read_q = scope.site_read_q()
    if read_q is None:
        return set()
    return set(Site.objects.filter(read_q).values_list("code", flat=True))


def _session_starts(ids: set[int]) -> dict[int, dt.datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    return {
        pk: dt.datetime.combine(day, starts, tz)
        for pk, day, starts in Session.objects.filter(pk__in=ids).values_list(
            "pk", "day__date", "starts_at"
        )
    }


@dataclass(slots=True)
class _Known:
    """What a chunk's rows are judged against before the batch service sees them."""

    people: dict[str, Any]
    starts: dict[int, dt.datetime]
    readable: set[str] | None
    seen: dict[tuple[str, int], int]
    times: dict[tuple[str, int], dt.datetime | None]


def _scan(line: _Line, known: _Known, report: PaperListReport) -> ScanIn | None:  # noqa: PLR0911
    """The scan a row stands for, or None with the row's reason recorded."""
    people, starts, readable, seen = known.people, known.starts, known.readable, known.seen
    if line.problem:
        report.error(line.number, line.problem)
        return None
    if not line.who:
        report.error(line.number, "thiếu mã đại biểu hoặc số CCCD.")
        return None
    key = line.code or line.id_hash or ""
    person = people.get(key)
    if person is None or (readable is not None and person[1] not in readable):
        report.error(line.number, f"{line.who}: {REASONS[reasons.UNKNOWN]}")
        return None
    code, site_code = person
    if line.session is None or line.session not in starts:
        report.error(line.number, f"{line.who}: {REASONS[reasons.SESSION_UNKNOWN]}")
        return None
    key_time = (line.time, line.session)
    when = known.times.get(key_time)
    if when is None and key_time not in known.times:  # each time parsed once
        when = known.times[key_time] = _arrival(line.time, starts[line.session])
    if when is None:
        report.error(
            line.number,
            f"{line.who}: không đọc được thời gian “{line.time}” (ví dụ đúng: 07:45 hoặc "
            "14/06/2025 07:45).",
        )
        return None
    first = seen.get((code, line.session))
    if first is not None:
        report.already += 1  # twice in this list: counted once
        return None
    seen[(code, line.session)] = line.number
    return ScanIn(
        id=check_in_id(code, line.session),
        badge=code,
        site=site_code,
        session=line.session,
        scanned_at=when.isoformat(),
    )


_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def _arrival(text: str, start: dt.datetime) -> dt.datetime | None:
    """The time a row gives, on the session's day unless it names a date; its start if none."""
    if not text:
        return start
    tz = start.tzinfo
    for fmt in ("%H:%M", "%H:%M:%S", "%Hh%M", "%HH%M"):
        try:
            clock = dt.datetime.strptime(text, fmt).time()
        except ValueError:
            continue
        return dt.datetime.combine(start.date(), clock, tz)
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    return None
