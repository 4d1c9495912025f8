"""The check-in batch: up to 1,000 scans judged with a handful of queries, written in one go.

Why this shape: the site consoles of 11,000 sites sync their offline queues in batches, and
the server must take 50,000 scans a second on two cores. So a batch never runs a query per
scan: it reads the sites, sessions, delegates and the valid check-ins of those delegates with
one query each, outside the write transaction (SQLite holds its one write lock for the whole
transaction); asks once whether the ids of the scans it would reject were recorded before (a
resend can never be accepted, so fresh batches skip the 1,000-id lookup); then inserts every
accepted row in one INSERT … ON CONFLICT DO NOTHING RETURNING and moves the counters in the same
transaction. The insert is the arbiter: a row another worker wrote in between is not returned,
and only then is one more query asked to tell a resent id from a second check-in.
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from diemcau.accounts.scopes import Scope
from diemcau.attendance import reasons, tallies, writelock
from diemcau.attendance.models import CheckIn, Source
from diemcau.attendance.signals import checkins_changed
from diemcau.delegates import badge_token
from diemcau.delegates.models import Delegate
from diemcau.programme.models import Session
from diemcau.sites.models import Site

MAX_SCANS = 1000
FUTURE_SLACK = dt.timedelta(minutes=5)
OPEN_BEFORE = dt.timedelta(hours=3)
ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
_CHECKINS = CheckIn._meta.db_table
_DELEGATES = Delegate._meta.db_table


@dataclass(frozen=True, slots=True)
class ScanIn:
    id: str
    badge: str
    site: str
    session: Any
    scanned_at: str


@dataclass(slots=True)
class ScanResult:
    id: str
    status: str = REJECTED
    reason: str | None = None
    delegate: str | None = None
    full_name: str = ""
    other_site: bool = False


@dataclass
class BatchResult:
    results: list[ScanResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


@dataclass(slots=True)
class _Row:
    """An accepted scan waiting for the insert."""

    result: ScanResult
    key: uuid.UUID
    delegate_id: int
    session_id: int
    site_id: int
    manual: bool
    scanned_at: dt.datetime


def _parse_time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo is not None else None


def _session_windows(ids: set[int]) -> dict[int, tuple[dt.datetime, dt.datetime]]:
    """Each session's check-in window: 3 h before its start to its end, on its day."""
    tz = ZoneInfo(settings.TIME_ZONE)
    out = {}
    for pk, day, starts, ends in Session.objects.filter(pk__in=ids).values_list(
        "pk", "day__date", "starts_at", "ends_at"
    ):
        start = dt.datetime.combine(day, starts, tz)
        end = dt.datetime.combine(day, ends, tz)
        if end <= start:  # runs past midnight
            end += dt.timedelta(days=1)
        out[pk] = (start - OPEN_BEFORE, end)
    return out


def _sites(scope: Scope, codes: set[str]) -> tuple[dict[str, int], set[int]]:
    """Site ids by code, and those the caller may write at."""
    ids = dict(Site.objects.filter(code__in=codes).values_list("code", "pk"))
    if scope.everything:
        return ids, set(ids.values())
    write_q = scope.site_write_q()
    if write_q is None or not ids:
        return ids, set()
    writable = set(Site.objects.filter(write_q, pk__in=ids.values()).values_list("pk", flat=True))
    return ids, writable


_QR_HEAD = badge_token.PREFIX + ":"
_QR_LENGTH = len(_QR_HEAD) + 8 + 1 + badge_token.MAC_CHARS


def _parse_badge(text: Any) -> tuple[str, str | None] | None:
    """badge_token.parse, with a shortcut for the well-formed QR payload (nearly every scan).

    The shortcut skips the code's check character: the exact-code lookup and the MAC decide
    anyway, and they cost less than checking it 1,000 times a batch.
    """
    if not isinstance(text, str):
        return None
    if len(text) == _QR_LENGTH and text.startswith(_QR_HEAD) and text[12] == ":":
        return text[4:12], text[13:]
    return badge_token.parse(text)


def _session_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


@dataclass(slots=True)
class _Context:
    """What one batch read from the database, to judge its scans against."""

    site_ids: dict[str, int]
    writable: set[int]
    windows: dict[int, tuple[dt.datetime, dt.datetime]]
    delegates: dict[str, tuple[int, str, int, str, str]]
    taken: set[tuple[int, int]]
    latest: dt.datetime


def record_scans(
    scope: Scope,
    scans: Sequence[ScanIn],
    *,
    user_id: int | None = None,
    source: str = Source.SCAN,
    dry_run: bool = False,
) -> BatchResult:
    """Judge and record a batch; every scan gets a result, in order, and none fails the rest.

    `source` tells scans from paper lists typed in later (attendance.paperlist); `dry_run`
    judges the batch as it would be recorded now and writes nothing (a list's trial run).
    """
    now = timezone.now()
    results = [ScanResult(id=s.id) for s in scans]
    keys = [_key(s.id) for s in scans]
    site_ids, writable = _sites(scope, {s.site for s in scans if isinstance(s.site, str)})
    session_ids = [_session_id(s.session) for s in scans]
    windows = _session_windows({pk for pk in session_ids if pk is not None})
    parsed = [_parse_badge(s.badge) for s in scans]
    delegates = {row[1]: row for row in _delegates({p[0] for p in parsed if p})}
    taken = _valid_checkins([row[0] for row in delegates.values()], list(windows))
    ctx = _Context(site_ids, writable, windows, delegates, taken, now + FUTURE_SLACK)

    first_of: dict[uuid.UUID, ScanResult] = {}
    copies: list[tuple[ScanResult, ScanResult]] = []
    rows: list[_Row] = []
    for scan, result, key, session_id, badge in zip(
        scans, results, keys, session_ids, parsed, strict=True
    ):
        if key is not None:
            if key in first_of:
                copies.append((result, first_of[key]))
                continue
            first_of[key] = result
        row = _judge(scan, result, key, session_id, badge, ctx=ctx)
        if row is not None:
            rows.append(row)
    # A resend was judged like a new scan: it cannot be accepted (its delegate is taken, or
    # its id is), so only the rejected ones need asking whether their id is already recorded.
    _mark_resends([(k, r) for k, r in first_of.items() if r.status == REJECTED])
    if rows and not dry_run:
        _write(rows, now, user_id, source)
    for result, first in copies:  # the same id twice in one batch
        _copy(result, first, REJECTED if first.status == REJECTED else DUPLICATE)
    return BatchResult(results)


def _mark_resends(candidates: list[tuple[uuid.UUID, ScanResult]]) -> None:
    """Report the ids recorded before as duplicates, with the delegate first recorded."""
    earlier = _earlier_outcomes([key for key, _result in candidates])
    for key, result in candidates:
        if key in earlier:
            code, name, other = earlier[key]
            result.status, result.reason = DUPLICATE, None
            result.delegate, result.full_name, result.other_site = code, name, other


def _key(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except (TypeError, ValueError, AttributeError):
        return None


def _judge(  # noqa: PLR0911 - one return per reason reads best
    scan: ScanIn,
    result: ScanResult,
    key: uuid.UUID | None,
    session_id: int | None,
    badge: tuple[str, str | None] | None,
    *,
    ctx: _Context,
) -> _Row | None:
    """The first reason that applies, in the order of the contract; else an accepted row."""
    scanned_at = _parse_time(scan.scanned_at)
    site_id = ctx.site_ids.get(scan.site) if isinstance(scan.site, str) else None
    if key is None or scanned_at is None or scanned_at > ctx.latest or site_id is None:
        result.reason = reasons.INVALID
        return None
    if site_id not in ctx.writable:
        result.reason = reasons.SITE_FORBIDDEN
        return None
    window = ctx.windows.get(session_id) if session_id is not None else None
    if session_id is None or window is None:
        result.reason = reasons.SESSION_UNKNOWN
        return None
    if not window[0] <= scanned_at <= window[1]:
        result.reason = reasons.SESSION_CLOSED
        return None
    found = ctx.delegates.get(badge[0]) if badge else None
    if badge is None or found is None:
        result.reason = reasons.UNKNOWN
        return None
    delegate_id, code, home_site, full_name, secret = found
    result.delegate, result.full_name = code, full_name
    mac = badge[1]
    if mac is not None and not badge_token.verify(code, secret, mac):
        result.reason = reasons.REVOKED_OR_FORGED
        return None
    if mac is None and home_site != site_id:
        result.reason = reasons.TYPED_OTHER_SITE
        return None
    if (delegate_id, session_id) in ctx.taken:
        result.reason = reasons.ALREADY_CHECKED_IN
        return None
    ctx.taken.add((delegate_id, session_id))
    result.status, result.other_site = ACCEPTED, home_site != site_id
    return _Row(result, key, delegate_id, session_id, site_id, mac is None, scanned_at)


def _copy(result: ScanResult, first: ScanResult, status: str) -> None:
    result.status, result.reason = status, first.reason
    result.delegate, result.full_name, result.other_site = (
        first.delegate,
        first.full_name,
        first.other_site,
    )


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _select(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Raw SQL: building a 1,000-value IN through the ORM costs more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _delegates(codes: set[str]) -> list[tuple[int, str, int, str, str]]:
    if not codes:
        return []
    wanted = list(codes)
    if connection.vendor == "postgresql":
        return _select(
            f"SELECT id, code, site_id, full_name, secret FROM {_DELEGATES} "  # noqa: S608
            "WHERE code = ANY(%s)",
            [wanted],
        )
    return _select(
        f"SELECT id, code, site_id, full_name, secret FROM {_DELEGATES} "  # noqa: S608
        f"WHERE code IN ({_in(wanted)})",
        wanted,
    )


def _db_key(key: uuid.UUID) -> Any:
    return key.hex if connection.vendor == "sqlite" else key


def _earlier_outcomes(keys: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str, bool]]:
    """Scans already recorded under these ids: what a resend reports back."""
    if not keys:
        return {}
    rows = _select(
        f"SELECT c.id, d.code, d.full_name, c.other_site FROM {_CHECKINS} c "  # noqa: S608
        f"JOIN {_DELEGATES} d ON d.id = c.delegate_id WHERE c.id IN ({_in(keys)})",
        [_db_key(k) for k in keys],
    )
    return {_as_uuid(pk): (code, name, bool(other)) for pk, code, name, other in rows}


def _valid_checkins(delegate_ids: list[int], session_ids: list[int]) -> set[tuple[int, int]]:
    if not delegate_ids or not session_ids:
        return set()
    rows = _select(
        f"SELECT delegate_id, session_id FROM {_CHECKINS} "  # noqa: S608
        f"WHERE annulled_at IS NULL AND session_id IN ({_in(session_ids)}) "
        f"AND delegate_id IN ({_in(delegate_ids)})",
        [*session_ids, *delegate_ids],
    )
    return {(d, s) for d, s in rows}


_COLUMNS = (
    "id, delegate_id, session_id, site_id, other_site, manual, scanned_at, received_at, "
    "recorded_by_id, source, annulled_at, annul_reason"
)


def _write(rows: list[_Row], now: dt.datetime, user_id: int | None, source: str) -> None:
    """One INSERT for the batch; rows a concurrent writer got first are re-judged."""
    # Same order in every worker: two batches touching the same delegates cannot deadlock.
    rows.sort(key=lambda r: (r.delegate_id, r.session_id))
    sqlite = connection.vendor == "sqlite"
    adapt = _sqlite_time if sqlite else _same
    received = adapt(now)
    params: list[Any] = []
    for r in rows:
        params += (
            r.key.hex if sqlite else r.key,
            r.delegate_id,
            r.session_id,
            r.site_id,
            r.result.other_site,
            r.manual,
            adapt(r.scanned_at),
            received,
            user_id,
        )
    if sqlite:
        row = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, '')"
        values = ", ".join([row] * len(rows))
        params = _with_source(params, source)
    else:  # nine arrays instead of 9,000 parameters: psycopg adapts a list in one go
        params = [source, *(params[i::9] for i in range(9))]
        values = (
            "SELECT a.*, %s::varchar, NULL::timestamptz, '' FROM unnest(%s::uuid[], "
            "%s::bigint[], %s::bigint[], %s::bigint[], %s::boolean[], %s::boolean[], "
            "%s::timestamptz[], %s::timestamptz[], %s::integer[]) AS a"
        )
    sql = (
        f"INSERT INTO {_CHECKINS} ({_COLUMNS}) "
        f"{'VALUES ' if sqlite else ''}{values} ON CONFLICT DO NOTHING RETURNING id"
    )
    with writelock.sqlite_writer(), transaction.atomic():
        returned = _select(sql, params)
        if len(returned) == len(rows):
            written = rows
        else:
            inserted = {_as_uuid(pk) for (pk,) in returned}
            written = [r for r in rows if r.key in inserted]
            _rejudge([r for r in rows if r.key not in inserted])
        tallies.add_checkins(
            [(r.site_id, r.session_id, 1, int(r.result.other_site)) for r in written]
        )
        if written:
            checkins_changed.send(CheckIn, delegate_ids=[r.delegate_id for r in written])


def _with_source(params: list[Any], source: str) -> list[Any]:
    """Nine values per row become ten: the source after recorded_by."""
    out: list[Any] = []
    for i in range(0, len(params), 9):
        out += params[i : i + 9]
        out.append(source)
    return out


def _sqlite_time(value: dt.datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime (UTC, naive), minus its
    per-call settings lookups."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def _same(value: dt.datetime) -> dt.datetime:
    return value


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _rejudge(lost: list[_Row]) -> None:
    """Rows another worker wrote first: the same id is a resend, else a second check-in."""
    for r in lost:
        r.result.status, r.result.reason = REJECTED, reasons.ALREADY_CHECKED_IN
    _mark_resends([(r.key, r.result) for r in lost])
