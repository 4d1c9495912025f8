"""Heartbeats in, live state out: record without touching the database, flush in bulk each second.

A request only resolves site codes (a per-process cache), checks the caller's write scope and
hands the beats to the live store. Once a second the flusher of each app-server process drains
the store and, in one transaction, appends the history (executemany), upserts each site's
`SiteLive` row (a late, older beat never overwrites a newer one) and logs every change of state;
then it marks offline the sites silent for `OFFLINE_AFTER_S`, dated when they went silent plus
that delay. Several flushers (two granian workers, several servers) may run at once: rows are
locked (PostgreSQL) or the write lock is taken at BEGIN (SQLite IMMEDIATE), and the offline sweep
only touches rows not yet offline, so a change is logged once.

On PostgreSQL with the shared (Redis) store, one flusher at a time drains it: each takes a
transaction-level advisory lock first and, when another holds it, skips its turn. Three servers'
flushers contending on the same `SiteLive` rows were slower than one (each waited on the others'
row locks, and their sweeps deadlocked). There the history goes in by COPY and the live rows by
one INSERT … SELECT FROM unnest(…) ON CONFLICT, not a statement per row.
"""

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid
from diemcau.operations import clock, counters, health, incidents
from diemcau.operations.liveness import Among
from diemcau.operations.livestate import Beat, LiveStore, RedisStore, get_store
from diemcau.operations.models import HeartbeatSample, LiveState, SiteLive, SiteStatusChange
from diemcau.sites.models import Site

log = logging.getLogger(__name__)

# Four small flushes a second, not one big one: a flush holds the GIL of its worker, and at
# 2,200 beats/s one flush of a second's beats stalled that worker's requests for ~100 ms of
# CPU (p99); a quarter-second's beats cost ~15 ms, and less per beat.
FLUSH_INTERVAL_S = 0.25
DRAIN_LIMIT = 50_000
MAX_BATCH = 500
_SITE_CACHE_TTL_S = 60.0


@dataclass(frozen=True)
class HeartbeatIn:
    """A heartbeat as the console sends it (already type-checked by the API schema)."""

    site: str
    session: str = ""
    playing: bool = False
    buffer_s: float = 0.0
    bitrate_kbps: int = 0
    dropped_frames: int = 0
    latency_ms: int = 0
    queued: int = 0
    version: str = ""
    behind_s: int = 0
    audio_only: bool = False


@dataclass(frozen=True)
class FlushResult:
    samples: int
    changes: int


# -- ingest --------------------------------------------------------------------------------
class _SiteCache:
    """Site code → id for the hot path; sites change rarely, misses ask the database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}
        self._loaded_at = 0.0

    def resolve(self, codes: Iterable[str]) -> dict[str, int]:
        now = time.monotonic()
        with self._lock:
            if now - self._loaded_at > _SITE_CACHE_TTL_S:
                self._ids = {}
                self._loaded_at = now
            found = {c: self._ids[c] for c in codes if c in self._ids}
        missing = [c for c in set(codes) if c not in found]
        if missing:
            fetched = dict(Site.objects.filter(code__in=missing).values_list("code", "pk"))
            with self._lock:
                self._ids.update(fetched)
            found.update(fetched)
        return found

    def clear(self) -> None:
        with self._lock:
            self._ids = {}


site_cache = _SiteCache()


def record_heartbeats(
    scope: Scope, items: Sequence[HeartbeatIn], store: LiveStore | None = None
) -> int:
    """Check and keep a batch of heartbeats; all or none. Returns how many were kept."""
    if not items:
        return 0
    if len(items) > MAX_BATCH:
        raise Invalid(_("At most %(n)d heartbeats per request.") % {"n": MAX_BATCH})
    ids = site_cache.resolve([i.site for i in items])
    unknown = sorted({i.site for i in items} - ids.keys())
    if unknown:
        raise Invalid(
            _("Unknown site codes: %(codes)s.") % {"codes": ", ".join(unknown[:20])},
            {"site": ", ".join(unknown[:20])},
        )
    _check_write(scope, set(ids.values()), ids)
    now = clock.now()
    beats = [
        Beat(
            ids[i.site],
            now,
            i.session[:64],
            i.playing,
            i.buffer_s,
            i.bitrate_kbps,
            i.dropped_frames,
            i.latency_ms,
            i.queued,
            i.version[:32],
            i.behind_s,
            i.audio_only,
        )
        for i in items
    ]
    (store or get_store()).record(beats)
    ensure_flusher()
    return len(beats)


def _check_write(scope: Scope, site_ids: set[int], by_code: Mapping[str, int]) -> None:
    if scope.everything:
        return
    rest = site_ids - scope.operator_site_ids
    if not rest:
        return
    write_q = scope.site_write_q()
    allowed: set[int] = set()
    if write_q is not None:
        allowed = set(Site.objects.filter(write_q, pk__in=rest).values_list("pk", flat=True))
    refused = sorted(code for code, pk in by_code.items() if pk in rest - allowed)
    if refused:
        raise Forbidden(
            _("You may not send heartbeats for site(s) %(codes)s.")
            % {"codes": ", ".join(refused[:20])}
        )


# -- flush ---------------------------------------------------------------------------------
def _when(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def _db_time(epoch: float) -> Any:
    return connection.ops.adapt_datetimefield_value(_when(epoch))


# pg_try_advisory_xact_lock's key for "the flusher of the shared live store" ("diemcau:flush").
FLUSH_LOCK_KEY = 0x646D_6375_666C_7368 & 0x7FFF_FFFF_FFFF_FFFF


def flush(now: float | None = None, store: LiveStore | None = None) -> FlushResult:
    """Write what the store holds to the database and sweep silent sites offline.

    Returns FlushResult(0, 0) without draining when another flusher of the shared store holds
    the turn (PostgreSQL + Redis): it writes these beats, and this one tries again next tick.
    """
    store = store or get_store()
    now = clock.now() if now is None else now
    beats: list[Beat] = []
    changes = 0
    try:
        with transaction.atomic():
            if not _my_turn(store):
                return FlushResult(samples=0, changes=0)
            beats = store.drain(DRAIN_LIMIT)
            if beats:
                _write_history(beats)
                counters.beats_written(beats)
                changes += _apply_latest(beats)
            changes += sweep_offline(now, store)
    except Exception:
        store.record(beats)  # keep them for the next flush rather than lose them
        raise
    return FlushResult(samples=len(beats), changes=changes)


def _my_turn(store: LiveStore) -> bool:
    """Whether this flusher may drain now: always, but one at a time for a shared store on
    PostgreSQL (the lock ends with the transaction, and with the connection of a killed one)."""
    if connection.vendor != "postgresql" or not isinstance(store, RedisStore):
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FLUSH_LOCK_KEY])
        return bool(cursor.fetchone()[0])


_HISTORY_COLUMNS = (
    "site_id",
    "received_at",
    "session",
    "playing",
    "buffer_s",
    "bitrate_kbps",
    "dropped_frames",
    "latency_ms",
    "queued",
    "version",
    "behind_s",
    "audio_only",
)
_LIVE_COLUMNS = (
    _HISTORY_COLUMNS[0],
    "last_seen",
    *_HISTORY_COLUMNS[2:],
    "state",
    "score",
    "reasons",
    "since",
)


def _metrics(beat: Beat) -> tuple[Any, ...]:
    return (
        beat.session,
        beat.playing,
        beat.buffer_s,
        beat.bitrate_kbps,
        beat.dropped_frames,
        beat.latency_ms,
        beat.queued,
        beat.version,
        beat.behind_s,
        beat.audio_only,
    )


def _write_history(beats: Sequence[Beat]) -> None:
    table = HeartbeatSample._meta.db_table
    cols = ", ".join(_HISTORY_COLUMNS)
    rows = [(b.site_id, _db_time(b.received_at), *_metrics(b)) for b in beats]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: one stream, no statement per row
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(_HISTORY_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608 - names from the model


def _apply_latest(beats: Sequence[Beat]) -> int:
    newest: dict[int, Beat] = {}
    for beat in beats:
        old = newest.get(beat.site_id)
        if old is None or old.received_at <= beat.received_at:
            newest[beat.site_id] = beat
    ids = sorted(newest)
    previous: dict[int, tuple[str, dt.datetime, dt.datetime]] = {}
    rows = (
        SiteLive.objects.select_for_update()
        .filter(Among("site_id", ids))  # one parameter, however many sites
        .order_by("site_id")  # rows locked in one order: two flushers never deadlock
        .values_list("site_id", "state", "last_seen", "since")
    )
    previous.update({r[0]: (r[1], r[2], r[3]) for r in rows})
    upserts: list[tuple[Any, ...]] = []
    changes: list[SiteStatusChange] = []
    for site_id in ids:
        beat = newest[site_id]
        at = _when(beat.received_at)
        verdict = health.classify(beat)
        reasons = ",".join(verdict.reasons)
        prev = previous.get(site_id)
        if prev is not None and prev[1] > at:
            continue  # another flusher already wrote a newer beat
        old_state = prev[0] if prev else LiveState.NEVER.value
        since = prev[2] if prev and old_state == verdict.state else at
        if old_state != verdict.state:
            changes.append(
                SiteStatusChange(
                    site_id=site_id,
                    at=at,
                    from_state=old_state,
                    to_state=verdict.state,
                    reasons=reasons,
                )
            )
        upserts.append(
            (
                site_id,
                _db_time(beat.received_at),
                *_metrics(beat),
                verdict.state,
                verdict.score,
                reasons,
                connection.ops.adapt_datetimefield_value(since),
            )
        )
    if upserts:
        _upsert_live(upserts)
    SiteStatusChange.objects.bulk_create(changes)
    counters.changes_written([(c.site_id, c.at, c.to_state) for c in changes])
    incidents.sites_came_back(
        [(c.site_id, c.at) for c in changes if c.from_state == LiveState.OFFLINE]
    )
    return len(changes)


# The SQL type of each of _LIVE_COLUMNS, for unnest()'s arrays on PostgreSQL.
_LIVE_PG_TYPES = (
    "bigint",
    "timestamptz",
    "text",
    "boolean",
    "double precision",
    "integer",
    "integer",
    "integer",
    "integer",
    "text",
    "integer",  # behind_s
    "boolean",  # audio_only
    "text",
    "double precision",
    "text",
    "timestamptz",
)


def _upsert_live(upserts: Sequence[tuple[Any, ...]]) -> None:
    """Each site's newest beat into its `SiteLive` row: one statement on PostgreSQL (the rows
    as one array per column), a statement per row elsewhere."""
    table = SiteLive._meta.db_table
    cols = ", ".join(_LIVE_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _LIVE_COLUMNS[1:])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{t}[]" for t in _LIVE_PG_TYPES)
            # One type per array: a console's `"buffer": 8` beside `8.5` is an int beside a
            # float, and psycopg refuses to dump a list of mixed types.
            columns = [
                [float(v) for v in column] if kind == "double precision" else list(column)
                for kind, column in zip(_LIVE_PG_TYPES, zip(*upserts, strict=True), strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {table} ({cols}) SELECT * FROM unnest({arrays}) "  # noqa: S608 - names from the model
                f"ON CONFLICT (site_id) DO UPDATE SET {updates}",
                columns,
            )
            return
        marks = ", ".join(["%s"] * len(_LIVE_COLUMNS))
        cursor.executemany(
            f"INSERT INTO {table} ({cols}) VALUES ({marks}) "  # noqa: S608 - names from the model
            f"ON CONFLICT (site_id) DO UPDATE SET {updates}",
            upserts,
        )


def sweep_offline(now: float, store: LiveStore | None = None) -> int:
    """Mark offline every site silent for OFFLINE_AFTER_S; log it at the moment it went so.

    A site whose newer beat waits in the live store (a flusher behind on its queue has not
    written it yet) is not silent, whatever the database's last_seen says: at 35,000 sites the
    flushers fell minutes behind, and a sweep of the database alone marked every site offline
    and opened incidents for them, slowing the flush further. Redis holds every server's
    latest beats, so there the check is exact; a memory store knows its own process's.
    """
    cutoff = _when(now - health.OFFLINE_AFTER_S)
    gone = list(
        SiteLive.objects.select_for_update()
        .filter(last_seen__lt=cutoff)
        .exclude(state=LiveState.OFFLINE)
        .order_by("site_id")  # locked in one order, as the flush locks them
        .values_list("site_id", "state", "last_seen")
    )
    if gone:  # the store asked about these sites only, not for every fresh one
        fresh = (store or get_store()).fresh_among([r[0] for r in gone], cutoff.timestamp())
        gone = [row for row in gone if row[0] not in fresh]
    if not gone:
        return 0
    delay = dt.timedelta(seconds=health.OFFLINE_AFTER_S)
    changes = [
        SiteStatusChange(
            site_id=site_id, at=last_seen + delay, from_state=state, to_state=LiveState.OFFLINE
        )
        for site_id, state, last_seen in gone
    ]
    SiteStatusChange.objects.bulk_create(changes)
    counters.changes_written([(c.site_id, c.at, c.to_state) for c in changes])
    table = SiteLive._meta.db_table
    sql = (
        f"UPDATE {table} SET state = %s, score = %s, reasons = %s, since = %s "  # noqa: S608
        "WHERE site_id = %s AND last_seen < %s"
    )
    rank = health.STATE_RANK[LiveState.OFFLINE]
    limit = connection.ops.adapt_datetimefield_value(cutoff)
    rows = [
        (
            LiveState.OFFLINE.value,
            rank,
            "silent",
            _db_time(ls.timestamp() + health.OFFLINE_AFTER_S),
            site_id,
            limit,
        )
        for site_id, _state, ls in gone
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    incidents.sites_went_offline([(c.site_id, c.at) for c in changes])
    return len(changes)


# -- the flusher thread --------------------------------------------------------------------
_flusher_pid: int | None = None
_flusher_lock = threading.Lock()


def ensure_flusher() -> None:
    """Start this process's flusher on first use (granian workers start after the fork)."""
    global _flusher_pid  # noqa: PLW0603 - one flusher per process
    if _flusher_pid == os.getpid() or not settings.DIEMCAU_LIVE_FLUSHER:
        return
    with _flusher_lock:
        if _flusher_pid == os.getpid():
            return
        _flusher_pid = os.getpid()
        threading.Thread(target=_flush_forever, name="diemcau-live-flush", daemon=True).start()


def _flush_forever() -> None:
    while True:
        started = time.monotonic()
        try:
            close_old_connections()
            flush()
        except Exception:
            log.exception("live-state flush failed; retrying in %s s", FLUSH_INTERVAL_S)
        time.sleep(max(0.0, FLUSH_INTERVAL_S - (time.monotonic() - started)))
