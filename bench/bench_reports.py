"""Reports at full scale: the national and a province's report as XLSX and PDF, one report table
through the API at the root, and the naive path beside them.

    .venv/bin/python bench/bench_reports.py                          # 11,000 sites, 1.5M check-ins
    .venv/bin/python bench/bench_reports.py --sites 500 --delegates 50000 --runs 1   # a quick run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_reports.py

Data (a temporary data folder; with DATABASE_URL a throwaway database `diemcau_bench_rp_<pid>`
beside the named one): the units, `--sites` sites and `--delegates` delegates (the other benches'
builders: one executemany, the import's writer), a conference day with two sessions, one valid
check-in per delegate in session 1 (scan times 07:30–09:30 on a morning arrival curve, written
by executemany/COPY) and the per-site counters built from them as the check-in path keeps them,
`--questions` questions in ~40% as many clusters over the seeded sectors (a third answered),
`--incidents` incidents over the morning, and heartbeats: 95% of the sites sent during session
1 (six beats each), 60% during session 2, 3% never. On PostgreSQL the data is then ANALYZEd, as
autovacuum would within a minute (a province's report takes ~20 s on a planner without
statistics for the 1.5M check-ins it has just been given).

Measured, each the median of `--runs` runs, in-process with a central organiser's scope (the
services the API and the CLI call):
  national_xlsx_s / national_pdf_s   services.report(TW, whole conference) + the file
  national_session_xlsx_s            the same for session 1
  province_xlsx_s / province_pdf_s   Hà Nội (01)
  api_table_root_ms                  GET /api/v1/reports/TW?session=1&table=dai-bieu (Django's
                                     test client: the whole request path, no socket)
  api_report_root_json_ms            GET /api/v1/reports/TW?session=1 (every table, JSON)
  naive_table_root_ms                the same attendance table by iterating the ORM: per province,
                                     its sites, each site's registered count, its check-ins
  naive_timeline_ms                  check-ins per 5 minutes by loading every scan time into Python
  national_counter_vs_scan           the national report as it is against the same report on
                                     the paths before (the check-ins curve grouping every
                                     check-in instead of the per-minute counter the triggers
                                     keep, attendance/minutes.py; outage minutes walking every
                                     status change in Python instead of summed by PostgreSQL;
                                     incidents over time testing every incident per bar), runs
                                     interleaved in one process: the API's JSON for session 1 and
                                     the whole conference's XLSX, each table's median, and the
                                     check that both reports hold the same figures
  national_ops_counters_vs_history   the same with only the operations counters (issue 19:
                                     connections per session, outage minutes) switched off,
                                     their tables read from the heartbeats and status changes
The operations counters are recounted after the build (`ops_counters_rebuild_s`): the bench
writes its beats and changes around the flusher.
Every figure is checked: the report's totals equal counts taken straight from the tables.
JSON goes to stdout and bench/results/reports.json (one entry per database vendor).

    # 35,000 sites and 3 M delegates on PostgreSQL, the database kept for more runs:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_reports.py \
        --sites 35000 --delegates 3000000 --keep --out bench/results/reports_3m.json
    # again on the kept database (its name printed), without building it:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/diemcau_bench_rp_NNN \
        .venv/bin/python bench/bench_reports.py --existing --sites 35000 --delegates 3000000
"""

import argparse
import contextlib
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from common import add_out_argument, save, throwaway_data  # noqa: E402 - a sibling module of this script

DAY = dt.date(2025, 6, 14)
ZONE = dt.timezone(dt.timedelta(hours=7))
CHUNK = 100_000


def _median(fn: Any, runs: int) -> tuple[float, Any]:
    """Median seconds over `runs` calls (after none: the first call is a real cold one too)."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


# -- data ------------------------------------------------------------------------------------
def _arrival(rng: random.Random) -> dt.datetime:
    """A scan time: most people arrive in the half hour before 08:00, some late."""
    minutes = min(119.0, max(0.0, rng.gauss(25, 14))) if rng.random() < 0.9 else rng.uniform(0, 120)
    return dt.datetime(2025, 6, 14, 7, 30, tzinfo=ZONE) + dt.timedelta(seconds=int(minutes * 60))


def write_checkins(session: int, seed: int) -> int:
    """One valid check-in per delegate in `session`, at their site, by executemany or COPY."""
    from django.db import connection, transaction

    from diemcau.attendance.models import CheckIn, SessionTally
    from diemcau.delegates.models import Delegate

    rng = random.Random(seed)
    table = CheckIn._meta.db_table
    cols = ("id", "delegate_id", "session_id", "site_id", "other_site", "manual", "scanned_at",
            "received_at", "annul_reason")  # fmt: skip
    sqlite = connection.vendor == "sqlite"
    stamp: dict[dt.datetime, Any] = {}

    def when(moment: dt.datetime) -> Any:
        if moment not in stamp:
            stamp[moment] = connection.ops.adapt_datetimefield_value(moment) if sqlite else moment
        return stamp[moment]

    n = 0
    rows = Delegate.objects.order_by("pk").values_list("pk", "site_id")
    with transaction.atomic(), connection.cursor() as cursor:
        batch: list[tuple[Any, ...]] = []

        def flush() -> None:
            if sqlite:
                marks = ", ".join(["%s"] * len(cols))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",  # noqa: S608
                    batch,
                )
            else:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            batch.clear()

        for delegate_id, site_id in rows.iterator(chunk_size=50_000):
            scanned = _arrival(rng)
            ident: Any = uuid.uuid4()
            batch.append(
                (ident.hex if sqlite else ident, delegate_id, session, site_id, False,
                 n % 50 == 49, when(scanned), when(scanned + dt.timedelta(seconds=3)), "")
            )  # fmt: skip
            n += 1
            if len(batch) >= CHUNK:
                flush()
        if batch:
            flush()
        tally = SessionTally._meta.db_table
        cursor.execute(
            f"INSERT INTO {tally} (site_id, session_id, checked_in, other_site) "  # noqa: S608
            f"SELECT site_id, session_id, COUNT(*), 0 FROM {table} GROUP BY site_id, session_id"
        )
    return n


def write_questions(n: int, session: int, site_rows: list[tuple[int, int]], seed: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus, Sector

    rng = random.Random(seed)
    sectors = list(Sector.objects.all())
    now = timezone.now()
    with transaction.atomic():
        clusters = Cluster.objects.bulk_create(
            [Cluster(sector=rng.choice(sectors)) for _ in range(max(1, n * 2 // 5))],
            batch_size=5000,
        )
        answered = clusters[: len(clusters) // 3]
        Answer.objects.bulk_create(
            [Answer(cluster=c, sector_id=c.sector_id, text="Trả lời") for c in answered],
            batch_size=5000,
        )
        done = {c.pk for c in answered}
        questions = []
        for i in range(n):
            site, unit = site_rows[rng.randrange(len(site_rows))]
            cluster = clusters[i % len(clusters)]
            status = QuestionStatus.ANSWERED if cluster.pk in done else QuestionStatus.NEW
            text = f"Câu hỏi số {i} về thủ tục hành chính cấp xã"
            questions.append(
                Question(text=text, text_folded=text, site_id=site, unit_id=unit,
                         session_id=session, cluster=cluster, status=status)
            )  # fmt: skip
        Question.objects.bulk_create(questions, batch_size=5000)
        Question.objects.update(created_at=now - dt.timedelta(hours=2))


def write_operations(n_incidents: int, sessions: list[int], seed: int) -> None:
    """Incidents over the morning, and the heartbeat history the connection counts read."""
    from django.db import transaction

    from diemcau.operations.models import HeartbeatSample, Incident, LiveState, SiteLive
    from diemcau.sites.models import Site

    rng = random.Random(seed)
    sites = list(Site.objects.order_by("pk").values_list("pk", "province_id"))
    morning = dt.datetime(2025, 6, 14, 8, 0, tzinfo=ZONE)
    afternoon = dt.datetime(2025, 6, 14, 13, 0, tzinfo=ZONE)
    with transaction.atomic():
        incidents = []
        for _ in range(n_incidents):
            site, province = sites[rng.randrange(len(sites))]
            opened = morning + dt.timedelta(minutes=rng.uniform(0, 180))
            resolved = opened + dt.timedelta(minutes=rng.expovariate(1 / 12))
            fixed = rng.random() < 0.85
            incidents.append(
                Incident(site_id=site, province_id=province, cause="network", opened_at=opened,
                         status="resolved" if fixed else "open",
                         resolved_at=resolved if fixed else None)
            )  # fmt: skip
        Incident.objects.bulk_create(incidents, batch_size=5000)
        beats, live = [], []
        for site, _province in sites:
            roll = rng.random()
            if roll < 0.03:
                continue  # never connected
            last = None
            for start, share in ((morning, 0.95), (afternoon, 0.60)):
                if rng.random() < share / 0.97:
                    for k in range(6):
                        last = start + dt.timedelta(minutes=30 * k + rng.uniform(0, 20))
                        beats.append(HeartbeatSample(site_id=site, received_at=last))
            seen = last or morning - dt.timedelta(days=1)  # a rehearsal's beat only
            live.append(SiteLive(site_id=site, state=LiveState.OFFLINE, since=seen, last_seen=seen))
        HeartbeatSample.objects.bulk_create(beats, batch_size=10_000)
        SiteLive.objects.bulk_create(live, batch_size=10_000)


def existing(args: argparse.Namespace) -> dict[str, Any]:
    """A database this bench built and kept (`--keep`): its sessions and check-ins as they are;
    migrated first, so a counter added since is installed and counted."""
    import tempfile

    if "DIEMCAU_DATA_DIR" not in os.environ:  # an empty folder of its own, removed at the end
        os.environ["DIEMCAU_DATA_DIR"] = tempfile.mkdtemp(prefix="diemcau-bench-rp-")
        args.made_folder = os.environ["DIEMCAU_DATA_DIR"]
    os.environ.setdefault("DIEMCAU_SECRET_KEY", "bench-" + os.urandom(8).hex())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    os.environ.setdefault("DIEMCAU_LIVE_FLUSHER", "off")
    os.environ.setdefault("DIEMCAU_2FA_ROLES", "")
    import django

    django.setup()
    from django.core.management import call_command

    from diemcau.attendance.models import CheckIn
    from diemcau.programme.models import Session
    from diemcau.sites.models import Site

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    sessions = list(Session.objects.order_by("pk").values_list("pk", flat=True))
    args.sites = Site.objects.count()
    return {
        "sessions": sessions,
        "checkins": CheckIn.objects.filter(session_id=sessions[0]).count(),
        "build_s": {"existing_migrate_s": round(time.perf_counter() - started, 1)},
    }


def write_storm(flaps: int, beats: int) -> dict[str, int]:
    """What the 35,000-site simulated day leaves in the operations tables (bench_scaleout: the
    heartbeat flushers fell behind and swept every site offline and back): `flaps` times per
    site an offline/online pair of status changes inside session 1 (08:05 on, every 15 minutes,
    offline for 5), one incident per site (opened 08:10–09:10, fixed 30 minutes later), and
    `beats` heartbeats per site every 5 s from 08:00. Written in the database (generate_series
    on PostgreSQL, a recursive CTE on SQLite), as the day writes them: nothing but rows."""
    from django.db import connection, transaction

    pg = connection.vendor == "postgresql"
    at = (
        "timestamptz '2025-06-14 01:00:00+00' + (({s}) * interval '1 second')"
        if pg
        else "datetime('2025-06-14 01:00:00', '+' || ({s}) || ' seconds')"
    )

    def series(name: str, n: int) -> str:
        if pg:
            return f"generate_series(0, {n - 1}) {name}({name})"
        counting = f"SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < {n - 1}"  # noqa: S608
        return f"(WITH RECURSIVE c(x) AS ({counting}) SELECT x AS {name} FROM c) {name}"  # noqa: S608

    change_at = at.format(s="300 + k * 900 + j * 300 + s.id % 600")
    opened = at.format(s="600 + s.id % 3600")
    resolved = at.format(s="2400 + s.id % 3600")
    beat_at = at.format(s="b * 5")
    sql = [
        "INSERT INTO operations_sitestatuschange (site_id, at, from_state, to_state, reasons) "  # noqa: S608
        f"SELECT s.id, {change_at}, CASE WHEN j = 0 THEN 'online' ELSE 'offline' END, "
        "CASE WHEN j = 0 THEN 'offline' ELSE 'online' END, '' "
        f"FROM sites_site s, {series('k', flaps)}, {series('j', 2)}",
        "INSERT INTO operations_incident (site_id, province_id, cause, origin, status, "  # noqa: S608
        "description, resolution, opened_at, resolved_at) "
        f"SELECT s.id, s.province_id, 'network', 'auto', 'resolved', '', '', {opened}, {resolved} "
        "FROM sites_site s",
        "INSERT INTO operations_heartbeatsample (site_id, received_at, session, playing, "  # noqa: S608
        "buffer_s, bitrate_kbps, dropped_frames, latency_ms, queued, version, behind_s, "
        f"audio_only) SELECT s.id, {beat_at}, '1', TRUE, 0, 0, 0, 0, 0, '', 0, FALSE "
        f"FROM sites_site s, {series('b', beats)}",
    ]
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for name, statement in zip(("status_changes", "incidents", "heartbeats"), sql, strict=True):
            if (name == "status_changes" and not flaps) or (name == "heartbeats" and not beats):
                continue
            cursor.execute(statement)
            counts[name] = cursor.rowcount
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts


def setup(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from bench_checkins import create_delegates
    from bench_delegates_import import create_sites
    from django.core.management import call_command
    from django.db import connection

    from diemcau.attendance.services import refresh_registered
    from diemcau.programme.models import Conference, Day, Session, Topic
    from diemcau.sites.models import Site
    from diemcau.units.services import load_units

    call_command("migrate", interactive=False, verbosity=0)
    load_units()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    create_sites(args.sites, 2025)
    sites = list(Site.objects.order_by("pk").values_list("pk", "province_id"))
    create_delegates(args.delegates, [pk for pk, _ in sites], dict(sites))
    refresh_registered()
    timings["sites_delegates_s"] = time.perf_counter() - started
    conference = Conference.objects.create(
        slug="bench", name="Hội nghị toàn quốc", host="BTC", starts_on=DAY, ends_on=DAY
    )
    day = Day.objects.create(conference=conference, date=DAY)
    sessions = [
        Session.objects.create(day=day, title=title, starts_at=dt.time(a), ends_at=dt.time(b)).pk
        for title, a, b in (("Phiên sáng", 8, 11), ("Phiên chiều", 13, 17))
    ]
    for i in range(15):
        Topic.objects.create(session_id=sessions[i % 2], number=i + 1, title=f"Chuyên đề {i + 1}")
    started = time.perf_counter()
    checkins = write_checkins(sessions[0], args.seed)
    timings["checkins_s"] = time.perf_counter() - started
    started = time.perf_counter()
    site_units = list(Site.objects.values_list("pk", "unit_id"))
    write_questions(args.questions, sessions[0], site_units, args.seed)
    write_operations(args.incidents, sessions, args.seed)
    timings["questions_operations_s"] = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load. Measured without it: the planner,
        # blind to 1.5M new check-ins, joins a province's sites by nested loop (~20 s a report).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "sessions": sessions,
        "checkins": checkins,
        "build_s": {k: round(v, 1) for k, v in timings.items()},
    }


# -- the naive path --------------------------------------------------------------------------
def naive_attendance_table(session: int) -> list[list[Any]]:
    """What a report would do without the counters: walk the ORM province by province, count
    each site's registered delegates, and each province's check-ins (per site would scan the
    1.5 million rows 11,000 times: check-ins have no index on their site)."""
    from diemcau.attendance.models import CheckIn
    from diemcau.delegates.models import Delegate
    from diemcau.sites.models import Site
    from diemcau.units.services import provinces

    rows = []
    for province in provinces():
        registered = 0
        sites = list(Site.objects.filter(province=province).values_list("pk", flat=True))
        for site in sites:
            registered += Delegate.objects.filter(site_id=site).count()
        checked = CheckIn.objects.filter(
            site__province=province, session_id=session, annulled_at__isnull=True
        ).count()
        rows.append([province.name, registered, checked, len(sites)])
    return rows


def naive_timeline(session: int) -> Counter[int]:
    from diemcau.attendance.models import CheckIn

    per_bucket: Counter[int] = Counter()
    times = CheckIn.objects.filter(session_id=session, annulled_at__isnull=True)
    for moment in times.values_list("scanned_at", flat=True).iterator(chunk_size=50_000):
        per_bucket[int(moment.timestamp()) // 300] += 1
    return per_bucket


# -- measuring -------------------------------------------------------------------------------
def time_files(runs: int, session: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The reports as files, national and Hà Nội's, as a central organiser asks for them."""
    from diemcau.accounts.scopes import Scope
    from diemcau.reports import files, services

    central = Scope(user_id=0, everything=True)

    def report_file(node: str, sess: int | None, fmt: str) -> tuple[dict[str, Any], bytes]:
        data = services.report(central, node, sess)
        return data, files.render(data, fmt)

    cases = {
        "national_xlsx": ("TW", None, "xlsx"),
        "national_pdf": ("TW", None, "pdf"),
        "national_session_xlsx": ("TW", session, "xlsx"),
        "national_session_pdf": ("TW", session, "pdf"),
        "province_xlsx": ("01", session, "xlsx"),
        "province_pdf": ("01", session, "pdf"),
    }
    out: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for name, (node, sess, fmt) in cases.items():
        seconds, (report, content) = _median(lambda a=(node, sess, fmt): report_file(*a), runs)
        out[f"{name}_s"] = round(seconds, 3)
        out[f"{name}_kb"] = round(len(content) / 1024)
        data[name] = report
    return out, data


def time_api_and_naive(
    runs: int, session: int, naive: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One table through the API at the root, the whole JSON report, and the naive path."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from diemcau.accounts.services import add_user

    if not get_user_model().objects.filter(username="bench-rp").exists():
        add_user("bench-rp", "central_organiser", None, password="x" * 12)
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-rp"))
    out: dict[str, Any] = {}
    table_url = f"/api/v1/reports/TW?session={session}&table=dai-bieu"
    seconds, response = _median(lambda: client.get(table_url), max(5, runs * 5))
    assert response.status_code == 200, response.content[:300]
    out["api_table_root_ms"] = round(seconds * 1000, 1)
    seen = {"api_table": response.json()["tables"][0]}
    whole_url = f"/api/v1/reports/TW?session={session}"
    seconds, response = _median(lambda: client.get(whole_url), max(3, runs))
    assert response.status_code == 200
    out["api_report_root_json_ms"] = round(seconds * 1000, 1)
    if not naive:
        return out, seen
    seconds, seen["naive_rows"] = _median(lambda: naive_attendance_table(session), 1)
    out["naive_table_root_ms"] = round(seconds * 1000, 1)
    seconds, seen["naive_buckets"] = _median(lambda: naive_timeline(session), max(1, runs))
    out["naive_timeline_ms"] = round(seconds * 1000, 1)
    out["speedup_api_table_vs_naive"] = round(
        out["naive_table_root_ms"] / max(out["api_table_root_ms"], 0.001), 1
    )
    return out, seen


def _scan_path() -> Any:
    """The report as computed before this bench's fixes, as a context: the check-ins-over-time
    curve grouping every check-in (not the per-minute counter), the outage minutes walking
    every status change in Python (not summed in PostgreSQL), the incidents over time testing
    every incident for every bar (not by binary search)."""
    import contextlib

    from diemcau.attendance import minutes, timeline
    from diemcau.operations import counters, outages
    from diemcau.operations import timeline as ops_timeline
    from diemcau.reports import timelines

    class EveryIncident:
        def __init__(self, spans: Any) -> None:
            self.spans = spans

        def opened(self, start: Any, end: Any) -> int:
            return sum(1 for o, _ in self.spans if start <= o < end)

        def open_at(self, moment: Any) -> int:
            return ops_timeline.open_at(self.spans, moment)

    swaps = (
        (minutes, "per_minute", timeline.grouped),
        (outages, "seconds_out", outages.walked),
        (timelines, "SpanCounter", EveryIncident),
        (counters, "counted", lambda sessions: set()),  # issue 19: the history, not counters
    )

    @contextlib.contextmanager
    def scanning() -> Any:
        kept = [getattr(module, name) for module, name, _ in swaps]
        for module, name, old in swaps:
            setattr(module, name, old)
        try:
            yield
        finally:
            for (module, name, _), value in zip(swaps, kept, strict=True):
                setattr(module, name, value)

    return scanning


def _history_path() -> Any:
    """The report before the operations counters (issue 19): connections per session probing
    the heartbeat history per site, outage minutes summed over the status changes. One swap:
    with no session counted, both read the history (operations/counters.py)."""
    import contextlib

    from diemcau.operations import counters

    @contextlib.contextmanager
    def reading_history() -> Any:
        kept = counters.counted
        counters.counted = lambda sessions: set()  # type: ignore[assignment]
        try:
            yield
        finally:
            counters.counted = kept  # type: ignore[assignment]

    return reading_history


def rebuild_ops_counters() -> float:
    """The rows above were written around the flusher, as a restore writes them: the operations
    counters are recounted as `diemcau counters rebuild` does (timed: the cost of a recount)."""
    from diemcau.operations import counters

    started = time.perf_counter()
    counters.rebuild_all()
    return round(time.perf_counter() - started, 1)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two reports hold the same figures (the moment they were made aside)."""
    keep = ("totals", "tables", "headline")
    return all(a[k] == b[k] for k in keep)


def time_counter_vs_scan(
    runs: int, session: int, scanning: Any = None, changed: frozenset[str] | None = None
) -> dict[str, Any]:
    """The national report on the counter and on the scan, interleaved in one process: the
    load of the shared machine falls on both alike."""
    import contextlib

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from diemcau.accounts.scopes import Scope
    from diemcau.accounts.services import add_user
    from diemcau.reports import files, services

    scanning = scanning or _scan_path()
    central = Scope(user_id=0, everything=True)
    with contextlib.suppress(Exception):
        setup_test_environment()  # the test client's host name is allowed
    User = get_user_model()
    if not User.objects.filter(username="bench-rp").exists():
        add_user("bench-rp", "central_organiser", None, password="x" * 12)
    client = Client()
    client.force_login(User.objects.get(username="bench-rp"))
    url = f"/api/v1/reports/TW?session={session}"

    def api() -> dict[str, Any]:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return dict(response.json())

    def xlsx() -> dict[str, Any]:
        data = services.report(central, "TW", None)
        files.render(data, "xlsx")
        return data

    cases = {"api_json_session_ms": api, "national_xlsx_conference_ms": xlsx}
    out: dict[str, Any] = {}
    same = True
    for name, fn in cases.items():
        counter_t, scan_t = [], []
        for i in range(max(3, runs)):
            order = ("counter", "scan") if i % 2 == 0 else ("scan", "counter")
            got: dict[str, dict[str, Any]] = {}
            for path in order:
                started = time.perf_counter()
                if path == "scan":
                    with scanning():
                        got[path] = fn()
                else:
                    got[path] = fn()
                (scan_t if path == "scan" else counter_t).append(time.perf_counter() - started)
            same = same and _same(got["counter"], got["scan"])
        counter_ms = statistics.median(counter_t) * 1000
        scan_ms = statistics.median(scan_t) * 1000
        out[name] = {
            "counter": round(counter_ms, 1),
            "scan": round(scan_ms, 1),
            "scan_over_counter": round(scan_ms / max(counter_ms, 0.001), 1),
        }
    out["tables_session_ms"] = time_tables(runs, session, scanning, changed)
    out["same_figures"] = same
    return out


def time_tables(
    runs: int, session: int, scanning: Any, changed: frozenset[str] | None = None
) -> dict[str, float]:
    """Each table of the national report for session 1 on the counter (median ms), and the
    tables this bench's fixes changed on the path before them: where the report's time goes."""
    import contextlib

    from diemcau.accounts.scopes import Scope
    from diemcau.reports import choice
    from diemcau.reports import figures as figures_module
    from diemcau.reports.tables import Figures

    central = Scope(user_id=0, everything=True)
    # Each table of the national report for session 1, on the counter (the curve on both).
    unit = figures_module.report_unit(central, "TW")
    conference = choice.pick(None, session).conference
    tables: dict[str, float] = {}
    for key, build in figures_module.builders():
        times = []
        for _ in range(max(3, runs)):
            figs = Figures(unit=unit, session_id=session, generated_at=timezone_now(),
                           conference_id=conference.pk if conference else None)  # fmt: skip
            started = time.perf_counter()
            with contextlib.suppress(Exception):  # a table without data (rehearsals) is left out
                build(central, figs)
            times.append(time.perf_counter() - started)
        tables[key] = round(statistics.median(times) * 1000, 1)
    changed = changed or frozenset({"diem-danh-theo-gio", "mat-ket-noi", "su-co-theo-gio"})
    for key, build in figures_module.builders():
        if key not in changed:
            continue
        times = []
        for _ in range(max(3, runs)):
            figs = Figures(unit=unit, session_id=session, generated_at=timezone_now(),
                           conference_id=conference.pk if conference else None)  # fmt: skip
            started = time.perf_counter()
            with scanning():
                build(central, figs)
            times.append(time.perf_counter() - started)
        tables[f"{key} (before)"] = round(statistics.median(times) * 1000, 1)
    return tables


def timezone_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def measure(args: argparse.Namespace, made: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection

    from diemcau.attendance.models import CheckIn
    from diemcau.operations.models import Incident
    from diemcau.questions.models import Question
    from diemcau.sites.models import Site

    session, n = made["sessions"][0], made["checkins"]
    # Issue 19: the operations counters against the history paths they replace.
    ops = time_counter_vs_scan(
        args.runs, session, _history_path(), frozenset({"ket-noi-phien", "mat-ket-noi"})
    )
    comparison = time_counter_vs_scan(args.runs, session)
    if args.compare_only:
        connection.close()
        return {
            "national_ops_counters_vs_history": ops,
            "national_counter_vs_scan": comparison,
            "all_checks_pass": comparison["same_figures"] and ops["same_figures"],
        }
    out, data = time_files(args.runs, session)
    out["national_counter_vs_scan"] = comparison
    out["national_ops_counters_vs_history"] = ops
    api, seen = time_api_and_naive(args.runs, session, args.naive)
    out.update(api)
    # Every figure checked against counts taken straight from the tables.
    national = data["national_session_xlsx"]
    totals = national["totals"]
    timeline = next(t for t in national["tables"] if t["key"] == "diem-danh-theo-gio")
    connected = next(t for t in national["tables"] if t["key"] == "ket-noi-phien")
    naive_rows, table = seen.get("naive_rows"), seen["api_table"]
    naive_buckets = seen.get("naive_buckets")
    checks = {
        "checked_in": totals["checked_in"] == CheckIn.objects.filter(session_id=session).count()
        and totals["checked_in"] == n,
        "sites": totals["sites"] == Site.objects.count(),
        "questions": totals["questions"] == Question.objects.count(),
        "incidents": totals["incidents"] == Incident.objects.count(),
        "timeline_total": timeline["total"][1] == n == timeline["rows"][-1][2]
        and (naive_buckets is None or sum(naive_buckets.values()) == n),
        "api_table_total": table["total"][2] == n,
        "api_table_equals_naive": naive_rows is None
        or (
            table["total"][2] == sum(r[2] for r in naive_rows)
            and table["total"][1] == sum(r[1] for r in naive_rows)
        ),
        "province_is_hanoi_alone": data["province_xlsx"]["node"]["code"] == "01",
    }
    checks["counter_report_equals_scan_report"] = comparison["same_figures"]
    checks["ops_counters_report_equals_history_report"] = ops["same_figures"]
    out["checks"] = checks
    out["all_checks_pass"] = all(checks.values())
    out["connected_per_session"] = connected["total"]
    out["timeline_buckets"] = len(timeline["rows"])
    out["headline"] = national["headline"]
    connection.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--delegates", type=int, default=1_500_000)
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--incidents", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3, help="Runs per median (files)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--keep", action="store_true", help="Keep the data folder or database (name printed)"
    )
    parser.add_argument(
        "--no-naive", dest="naive", action="store_false", help="Skip the ORM-walking baseline"
    )
    parser.add_argument(
        "--storm",
        default="",
        metavar="FLAPS,BEATS",
        help="Add the simulated day's operations churn: FLAPS offline/online pairs and BEATS "
        "heartbeats per site, one incident per site (e.g. 10,180); kept with the database",
    )
    parser.add_argument(
        "--existing",
        action="store_true",
        help="Measure the database DATABASE_URL names as it is (one this bench kept), no build",
    )
    parser.add_argument(
        "--compare-only",
        action="store_true",
        help="Only the national report on the counter against the scan (no files, API, naive)",
    )
    add_out_argument(parser, "reports.json")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        if args.existing:
            made = existing(args)
            if getattr(args, "made_folder", None):
                stack.callback(shutil.rmtree, args.made_folder, True)
        else:
            stack.enter_context(throwaway_data("rp", keep=args.keep))
            made = setup(args)
        from django.db import connection

        if args.storm:
            flaps, beats = (int(x) for x in args.storm.split(","))
            started = time.perf_counter()
            made["storm"] = write_storm(flaps, beats)
            made["build_s"]["storm_s"] = round(time.perf_counter() - started, 1)
        made["build_s"]["ops_counters_rebuild_s"] = rebuild_ops_counters()
        results: dict[str, Any] = {
            "database": connection.vendor,
            "sites": args.sites,
            "delegates": args.delegates,
            "checkins": made["checkins"],
            "questions": args.questions,
            "incidents": args.incidents,
            "runs": args.runs,
            "build_s": made["build_s"],
            "storm": made.get("storm"),
            # The machine is shared: how busy it was around the timed part.
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        }
        results.update(measure(args, made))
        results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    save(results, args.out)


if __name__ == "__main__":
    main()
