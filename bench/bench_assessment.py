"""Learning outcomes at full scale: completion roll-up, verification, quiz submissions, PDFs.

    .venv/bin/python bench/bench_assessment.py                    # 11,000 sites, 1.5M delegates
    .venv/bin/python bench/bench_assessment.py --delegates 30000 --sites 300     # a small run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_assessment.py

A temporary data folder (SQLite; with DATABASE_URL a throwaway database beside the named one)
gets the units, `--sites` sites and `--delegates` delegates (as bench_checkins loads them), a
conference (two sessions, 200 questions, the rule: 1 session, quiz passed, report ≥ 5) and the
state of a day after: valid check-ins (95 %), passed attempts (90 %), graded reports (scores
3–10) and one signed certificate per delegate, written by executemany. Then, each beside its
naive path, medians of `--runs`:

- completion roll-up at the root: the per-site counters (completion_rollup, in process and over
  HTTP) against the on-the-fly recount (three grouped scans over the sources), the full
  rebuild, and recounting 1,000 stale sites (what a wave of passes costs the counters);
- verification of a code at 1.5M certificates: `certificates.verify` in process, the public
  page `/xac-minh/{code}/` over HTTP from `--clients` clients (p50/p99), against a naive
  case-insensitive lookup of the code (no use of the signed id);
- quiz submissions through the API against `diemcau up --workers 2`: `--submissions` attempts
  (20 questions each) submitted once each with their answers from `--clients` clients,
  against the naive path on the same data (a server whose save and submit write one row per
  answer and score by reading them back: the phone sends each answer as it is ticked, 20
  requests and 20 rows, then submits);
- certificates: a site's 150 as one PDF (first time: rows and codes made; again: kept rows),
  one delegate's on demand when not yet made (p95) and when kept (p95).

JSON to stdout and bench/results/assessment.json (one entry per database vendor).
"""

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from common import add_out_argument, free_port, save, stop, throwaway_data, wait_up  # noqa: E402 - a sibling module of this script

DIEMCAU = str(ROOT / ".venv" / "bin" / "diemcau")
DAY = dt.date(2025, 6, 14)
NAIVE_TABLE = "bench_naive_answer"


# -- data ------------------------------------------------------------------------------------
def insert(model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """executemany in chunks; the model's other columns get their defaults (prepared once)."""
    from django.db import connection, transaction
    from django.db.models import AutoField, BigAutoField

    given = set(columns)
    rest = [
        f
        for f in model._meta.concrete_fields
        if f.column not in given and not isinstance(f, AutoField | BigAutoField)
    ]
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in rest]
    names = [*columns, *(f.column for f in rest)]
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    n = 0
    chunk: list[Sequence[Any]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows:
            chunk.append((*row, *defaults))
            if len(chunk) == 50_000:
                cursor.executemany(sql, chunk)
                n += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            n += len(chunk)
    return n


def _prep(model: Any, name: str) -> Callable[[Any], Any]:
    from django.db import connection

    field = model._meta.get_field(name)
    return lambda value: field.get_db_prep_save(value, connection)


def extra_delegates(site: Any, n: int, first: int) -> list[Any]:
    from diemcau.delegates.codes import code_for
    from diemcau.delegates.models import Delegate

    Delegate.objects.bulk_create(
        Delegate(
            code=code_for(first + i), site=site, province_id=site.province_id,
            full_name=f"Nguyễn Thị Hồng Nhung {i}", national_id_hash=f"{first + i:032x}",
            national_id_last4="0000", secret=os.urandom(16).hex(),
        )
        for i in range(n)
    )  # fmt: skip
    return list(Delegate.objects.filter(site=site).order_by("pk"))


def setup(args: argparse.Namespace) -> dict[str, Any]:  # noqa: PLR0915 - one straight script
    import django

    django.setup()
    from bench_checkins import create_delegates
    from bench_delegates_import import create_sites
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from diemcau.accounts.services import add_user, issue_token
    from diemcau.assessment.certificates import services as signing
    from diemcau.assessment.models import (
        AssessmentSettings,
        Attempt,
        Certificate,
        Question,
        Reflection,
    )  # fmt: skip
    from diemcau.attendance.models import CheckIn
    from diemcau.delegates.models import Delegate
    from diemcau.programme.models import Conference, Day, Session
    from diemcau.sites.models import Site
    from diemcau.units.models import Unit
    from diemcau.units.services import load_units

    call_command("migrate", interactive=False, verbosity=0)
    load_units()
    started = time.perf_counter()
    create_sites(args.sites, 2025)
    sites = list(Site.objects.order_by("pk").values_list("pk", "province_id"))
    create_delegates(args.delegates, [pk for pk, _ in sites], dict(sites))
    conference = Conference.objects.create(
        slug="bench", name="Hội nghị toàn quốc quán triệt chính quyền hai cấp",
        host="Ban Tổ chức Trung ương", starts_on=DAY, ends_on=DAY,
    )  # fmt: skip
    day = Day.objects.create(conference=conference, date=DAY)
    sessions = [
        Session.objects.create(day=day, title=t, starts_at=dt.time(a), ends_at=dt.time(b)).pk
        for t, a, b in (("Sáng", 8, 11), ("Chiều", 13, 17))
    ]
    AssessmentSettings.objects.create(
        conference=conference, draw_size=20, time_limit_minutes=600, pass_percent=70,
        max_attempts=2, min_sessions=1, require_quiz=True, min_report_score=5,
        signer_name="Nguyễn Văn Ký", signer_title="Trưởng Ban Tổ chức",
    )  # fmt: skip
    Question.objects.bulk_create(
        Question(
            conference=conference, kind="single" if i % 4 else "multiple",
            text=f"Câu hỏi {i} về tổ chức chính quyền địa phương hai cấp?",
            options=["Một", "Hai", "Ba", "Bốn"], correct=[0] if i % 4 else [0, 2], points=1,
        )
        for i in range(200)
    )  # fmt: skip
    data_s = time.perf_counter() - started

    # The day after: who attended, passed, was graded; one certificate each.
    started = time.perf_counter()
    now = timezone.now()
    people = list(Delegate.objects.order_by("pk").values_list("pk", "site_id", "code"))
    t = _prep(CheckIn, "scanned_at")(now)
    as_uuid = _prep(CheckIn, "id")
    insert(
        CheckIn,
        ["id", "delegate_id", "session_id", "site_id", "other_site", "manual", "scanned_at",
         "received_at"],
        ((as_uuid(uuid.uuid4()), pk, sessions[0], site, False, False, t, t)
         for i, (pk, site, _c) in enumerate(people) if i % 20 != 19),
    )  # fmt: skip
    empty_list, empty_map = _prep(Attempt, "question_ids")([]), _prep(Attempt, "answers")({})
    insert(
        Attempt,
        ["id", "conference_id", "delegate_id", "number", "question_ids", "option_orders",
         "answers", "key", "pass_percent", "started_at", "deadline", "submitted_at", "score",
         "max_score", "passed"],
        ((as_uuid(uuid.uuid4()), conference.pk, pk, 1, empty_list, empty_map, empty_map,
          empty_map, 70, t, t, t, 18, 20, True)
         for i, (pk, _s, _c) in enumerate(people) if i % 10 != 7),
    )  # fmt: skip
    answers = _prep(Reflection, "answers")(["Những điều đã học được.", "Vận dụng tại đơn vị."])
    insert(
        Reflection,
        ["conference_id", "delegate_id", "site_id", "answers", "status", "updated_at",
         "submitted_at", "score", "graded_at"],
        ((conference.pk, pk, site, answers, "graded", t, t, 3 + i % 8, t)
         for i, (pk, site, _c) in enumerate(people)),
    )  # fmt: skip
    status_s = time.perf_counter() - started

    started = time.perf_counter()
    issued = _prep(Certificate, "issued_on")(DAY)
    insert(
        Certificate,
        ["id", "conference_id", "delegate_id", "holder_name", "issued_on", "code",
         "created_at"],
        ((n, conference.pk, pk, f"Đại biểu {n}", issued,
          signing.make_code(signing.CodeFields(n, code, conference.pk, DAY)), t)
         for n, (pk, _s, code) in enumerate(people, start=1)),
    )  # fmt: skip
    certificates_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # explicit ids: move the sequence past them
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [Certificate._meta.db_table, len(people) + 1],
            )

    # Sites the PDFs and the submissions use: complete delegates without certificates.
    unit = Unit.objects.get(code="00070")
    made = []
    for code, n in (("BENCH-150", 150), ("BENCH-OD", 200)):
        site = Site.objects.create(code=code, name=f"Điểm cầu {code} Hoàn Kiếm", unit=unit,
                                   province_id=unit.province_id)  # fmt: skip
        made.append(extra_delegates(site, n, 9_000_000 + len(made) * 1000))
    for group in made:
        insert(
            CheckIn,
            ["id", "delegate_id", "session_id", "site_id", "other_site", "manual",
             "scanned_at", "received_at"],
            ((as_uuid(uuid.uuid4()), d.pk, sessions[0], d.site_id, False, False, t, t)
             for d in group),
        )  # fmt: skip
        insert(
            Attempt,
            ["id", "conference_id", "delegate_id", "number", "question_ids", "option_orders",
             "answers", "key", "pass_percent", "started_at", "deadline", "submitted_at",
             "score", "max_score", "passed"],
            ((as_uuid(uuid.uuid4()), conference.pk, d.pk, 1, empty_list, empty_map, empty_map,
              empty_map, 70, t, t, t, 18, 20, True) for d in group),
        )  # fmt: skip
        insert(
            Reflection,
            ["conference_id", "delegate_id", "site_id", "answers", "status", "updated_at",
             "submitted_at", "score", "graded_at"],
            ((conference.pk, d.pk, d.site_id, answers, "graded", t, t, 8, t) for d in group),
        )  # fmt: skip
    add_user("bench", "central_organiser", None, password="x" * 12)
    token = issue_token("bench")
    connection.close()
    return {
        "conference": conference.pk,
        "sessions": sessions,
        "token": token,
        "site_150": made[0][0].site_id,
        "on_demand": [d.pk for d in made[1]],
        "data_s": round(data_s, 1),
        "status_rows_s": round(status_s, 1),
        "certificate_rows_s": round(certificates_s, 1),
    }


# The pass cookie of each link token (the delegate gave their second factor), sent by drive()
# and wrk with every request of that token: the submission path checks it.
PASSES: dict[str, str] = {}


def _cookie(path: str) -> dict[str, str]:
    parts = path.split("/")
    found = PASSES.get(parts[5]) if path.startswith("/api/v1/assessment/me/") else None
    return {"Cookie": f"diemcau_hv={found}"} if found else {}


def fresh_attempts(conference_id: int, n: int, offset: int) -> list[tuple[str, str, str]]:
    """(token, attempt id, submit body) for n delegates without an attempt, drawn as
    quiz.start_attempt draws (seeded per delegate), written in one executemany."""
    from django.db import connection
    from django.utils import timezone

    from diemcau.assessment import links
    from diemcau.assessment.delegate import services as delegate_factor
    from diemcau.assessment.models import Attempt, Question
    from diemcau.assessment.quiz import attempts as quiz
    from diemcau.delegates.models import Delegate

    rows = Question.objects.filter(conference_id=conference_id).order_by("pk")
    bank = {q.pk: q for q in rows}
    passed_ids = Attempt.objects.filter(conference_id=conference_id).values("delegate_id")
    people = list(Delegate.objects.exclude(pk__in=passed_ids).order_by("pk")[offset : offset + n])
    now = timezone.now()
    prep_uuid, prep_json = _prep(Attempt, "id"), _prep(Attempt, "key")
    prep_time = _prep(Attempt, "started_at")
    out, rows_out = [], []
    for d in people:
        ids, orders = quiz._draw(
            list(bank), dict.fromkeys(bank, 4), 20, f"{d.code}:{conference_id}:1"
        )
        key = {str(q): [bank[q].points, *bank[q].correct] for q in ids}
        pk = uuid.uuid4()
        rows_out.append((prep_uuid(pk), conference_id, d.pk, 1, prep_json(ids),
                         prep_json(orders), prep_json({}), prep_json(key), 70, prep_time(now),
                         prep_time(now + dt.timedelta(hours=10)), 0, False, False))  # fmt: skip
        # Most answers right, one in five wrong: the score varies.
        answers = {
            str(q): (list(bank[q].correct) if (i + d.pk) % 5 else [1]) for i, q in enumerate(ids)
        }
        out.append((links.token_for(d), str(pk), json.dumps({"answers": answers})))
        PASSES[out[-1][0]] = delegate_factor.issue_pass(d)  # the last 4 CCCD digits, given
    insert(
        Attempt,
        ["id", "conference_id", "delegate_id", "number", "question_ids", "option_orders",
         "answers", "key", "pass_percent", "started_at", "deadline", "max_score",
         "auto_submitted", "passed"],
        rows_out,
    )  # fmt: skip
    connection.close()
    return out


# -- measuring -------------------------------------------------------------------------------
def median_ms(fn: Callable[[], Any], runs: int, warm: bool = True) -> float:
    if warm:
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)


def drive(
    port: int, requests: list[list[tuple[str, str, bytes | None]]], clients: int
) -> dict[str, Any]:
    """Each item is one unit of work (a submission: one request, or 20 saves and a submit)
    sent in order on one client's keep-alive connection; the clients take items in turn."""
    lock = threading.Lock()
    queue = iter(range(len(requests)))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"Content-Type": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                index = next(queue, None)
            if index is None:
                break
            for method, path, body in requests[index]:
                started = time.perf_counter()
                conn.request(method, path, body, {**headers, **_cookie(path)})
                response = conn.getresponse()
                response.read()
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "units": len(requests),
        "requests": len(latencies),
        "clients": clients,
        "elapsed_s": round(elapsed, 2),
        "units_per_s": round(len(requests) / elapsed, 1),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": pct(latencies, 0.5),
        "p99_ms": pct(latencies, 0.99),
    }


def with_server_cpu(
    pid: int, units: int, figures_of: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    from bench_checkins import _tree_cpu_s

    before = _tree_cpu_s(pid)
    figures = figures_of()
    used = _tree_cpu_s(pid) - before
    figures["server_cpu_s"] = round(used, 2)
    figures["units_per_server_cpu_s"] = round(units / used, 1) if used else None
    figures["projected_units_per_s_on_2_free_cores"] = round(2 * units / used) if used else None
    return figures


def start_server(
    env: dict[str, str], app: str | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = [DIEMCAU, "up", "--no-demo", "--port", str(port), "--workers", "2"]
    if app is not None:
        argv = [
            sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
            "--port", str(port), "--workers", "2", "--blocking-threads", "16", "--no-ws", app,
        ]  # fmt: skip
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env)  # noqa: S603 - fixed argv
    try:
        wait_up(port, server)
    except BaseException:
        stop(server)  # never leave a server behind holding our output open
        raise
    return server, port


# -- the figures -----------------------------------------------------------------------------
def completion_figures(made: dict[str, Any], runs: int) -> dict[str, Any]:
    from django.db import connection

    from diemcau.accounts.scopes import Scope
    from diemcau.assessment.completion import services as counters
    from diemcau.assessment.completion.services import rollup
    from diemcau.assessment.models import CompletionSite
    from diemcau.units.models import Unit

    conf = made["conference"]
    central = Scope(user_id=0, everything=True)
    hanoi = Scope(user_id=0, organiser_units=(Unit.objects.get(code="01"),))
    started = time.perf_counter()
    counters.rebuild(conf)
    rebuild_s = time.perf_counter() - started

    def naive() -> dict[str, int]:
        """On the fly: judge every delegate from the sources, add up by province."""
        total = dict.fromkeys(counters.COLUMNS, 0)
        for figures in counters.count(conf).values():
            for name, value in zip(counters.COLUMNS, figures, strict=True):
                total[name] += value
        return total

    root = rollup(central, conf, None)
    truth = naive()
    sites = list(
        CompletionSite.objects.filter(conference_id=conf).values_list("site_id", flat=True)
    )
    wave = random.Random(7).sample(sites, min(1000, len(sites)))

    def stale_wave() -> None:
        counters.mark_sites(conf, wave)
        counters.refresh_stale(conf)

    figures = {
        "delegates": root["delegates"],
        "completed": root["completed"],
        "rate": root["rate"],
        "counters_agree_with_recount": all(root[k] == truth[k] for k in counters.FIGURES),
        "counter_rows": len(sites),
        "rebuild_s": round(rebuild_s, 2),
        "rollup_root_ms": median_ms(lambda: rollup(central, conf, None), runs),
        "rollup_hanoi_ms": median_ms(lambda: rollup(hanoi, conf, None), runs),
        "naive_recount_root_ms": median_ms(naive, max(3, runs // 3), warm=False),
        "recount_1000_stale_sites_ms": median_ms(stale_wave, max(3, runs // 3)),
    }
    connection.close()
    return figures


def verify_figures(made: dict[str, Any], runs: int, samples: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from diemcau.assessment.certificates import services as certificates
    from diemcau.assessment.models import Certificate

    rng = random.Random(11)
    n = Certificate.objects.count()
    ids = rng.sample(range(1, n + 1), min(samples, n))
    codes = list(Certificate.objects.filter(pk__in=ids).values_list("code", flat=True))
    Certificate.objects.filter(pk__in=ids[:10]).update(revoked_at=dt.datetime.now(tz=dt.UTC))
    tampered = [c[:-2] + ("AB" if not c.endswith("AB") else "CD") for c in codes[:50]]
    sample = codes + tampered
    for code in sample[:100]:
        certificates.verify(code)  # warm
    service: list[float] = []
    states: dict[str, int] = {}
    for code in sample:
        started = time.perf_counter()
        state = certificates.verify(code)["status"]
        service.append(time.perf_counter() - started)
        states[state] = states.get(state, 0) + 1
    client = Client()
    page: list[float] = []
    for code in sample[:2000]:
        started = time.perf_counter()
        response = client.get(f"/xac-minh/{code}/")
        page.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code

    def naive() -> None:
        """What a first version might do: a case-insensitive match on the code."""
        Certificate.objects.filter(code__iexact=rng.choice(codes).lower()).first()

    figures = {
        "certificates": n,
        "verified": len(sample),
        "states": states,
        "service_ms_p50": pct(service, 0.5),
        "service_ms_p99": pct(service, 0.99),
        "page_in_process_ms_p50": pct(page, 0.5),
        "page_in_process_ms_p99": pct(page, 0.99),
        "naive_iexact_lookup_ms": median_ms(naive, max(3, runs // 3)),
    }
    connection.close()
    return figures


def verify_http(port: int, clients: int, samples: int) -> dict[str, Any]:
    from django.db import connection

    from diemcau.assessment.models import Certificate

    codes = list(Certificate.objects.order_by("?").values_list("code", flat=True)[:samples])
    connection.close()
    work = [[("GET", f"/xac-minh/{c}/", None)] for c in codes]
    drive(port, work[: len(work) // 10], 2)  # warm both workers
    return drive(port, work, clients)


def submissions(
    made: dict[str, Any], port: int, pid: int, n: int, clients: int, *, naive: bool
) -> dict[str, Any]:
    from django.db import connection

    from diemcau.assessment.models import Attempt

    conf = made["conference"]
    prefix = f"/api/v1/assessment/me/{{token}}/{conf}/attempts/{{attempt}}"
    attempts = fresh_attempts(conf, n, offset=0)  # those done before have an attempt now
    if len(attempts) < n:
        raise RuntimeError(f"only {len(attempts)} delegates left without an attempt")
    work = []
    for token, attempt, body in attempts:
        path = prefix.format(token=token, attempt=attempt)
        if naive:  # each answer as it is ticked, then the submit
            answers = json.loads(body)["answers"]
            steps: list[tuple[str, str, bytes | None]] = [
                ("PUT", f"{path}/answers", json.dumps({"answers": {q: a}}).encode())
                for q, a in answers.items()
            ]
            work.append([*steps, ("POST", f"{path}/submit", b'{"answers": {}}')])
        else:
            work.append([("POST", f"{path}/submit", body.encode())])
    warm = max(1, len(work) // 50)
    drive(port, work[:warm], 2)
    figures = with_server_cpu(pid, len(work) - warm, lambda: drive(port, work[warm:], clients))
    ids = [a for _t, a, _b in attempts]
    figures["submitted_rows"] = Attempt.objects.filter(
        pk__in=ids, submitted_at__isnull=False
    ).count()
    figures["passed_rows"] = Attempt.objects.filter(pk__in=ids, passed=True).count()
    if not naive:  # a resend changes nothing
        again = drive(port, [[("POST", f"{prefix.format(token=t, attempt=a)}/submit", b.encode())]
                             for t, a, b in attempts[:1000]], clients)  # fmt: skip
        figures["resend_units_per_s"] = again["units_per_s"]
        figures["attempts_after_resend"] = Attempt.objects.filter(pk__in=ids).count()
    connection.close()
    return figures


WRK_SUBMIT_LUA = """
local reqs = {%(reqs)s}
local counter, threads = 0, %(threads)d
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
local i = 0
function init(args) i = tonumber(wrk.thread:get("id")) - threads end
function request()
  i = i + threads
  local r = reqs[(i %% #reqs) + 1]
  return wrk.format("POST", r[1], {["Content-Type"] = "application/json", ["Cookie"] = r[3]}, r[2])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"errors":%%d,"p50_us":%%d,"p99_us":%%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def submissions_wrk(made: dict[str, Any], port: int, seconds: float, n: int) -> dict[str, Any]:
    """Submissions from wrk (C, light on the shared cores, 32 keep-alive connections, as fast
    as the server answers), each to a fresh attempt: the wall-clock rate is the distinct
    attempts the database shows submitted, divided by the run's length; a wrap-around past
    `n` would only resend (idempotent), never count twice."""
    from django.db import connection

    from diemcau.assessment.models import Attempt

    conf = made["conference"]
    attempts = fresh_attempts(conf, n, offset=0)
    lua_rows = []
    for t, a, b in attempts:  # a Lua table of {path, body, cookie}; JSON strings are Lua ones
        path = json.dumps(f"/api/v1/assessment/me/{t}/{conf}/attempts/{a}/submit")
        cookie = json.dumps(f"diemcau_hv={PASSES[t]}")
        lua_rows.append("{" + path + "," + json.dumps(b) + "," + cookie + "}")
    reqs = ",".join(lua_rows)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SUBMIT_LUA % {"reqs": reqs, "threads": 2})
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv
            ["wrk", "-t2", "-c32", f"-d{int(seconds)}s", "--timeout", "5s", "-s", script.name,  # noqa: S607
             f"http://127.0.0.1:{port}/"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        Path(script.name).unlink()
    out = json.loads(done.stdout.split("WRKJSON ", 1)[1].splitlines()[0])
    elapsed = out["duration_us"] / 1e6
    ids = [a for _t, a, _b in attempts]
    submitted = sum(
        Attempt.objects.filter(pk__in=ids[i : i + 900], submitted_at__isnull=False).count()
        for i in range(0, len(ids), 900)
    )
    connection.close()
    return {
        "client": "wrk -t2 -c32 (closed loop)",
        "duration_s": round(elapsed, 2),
        "requests": out["requests"],
        "errors": out["errors"],
        "distinct_attempts_submitted": submitted,
        "submissions_per_s": round(submitted / elapsed, 1),
        "wrapped_around": out["requests"] > n,
        "p50_ms": out["p50_us"] / 1000,
        "p99_ms": out["p99_us"] / 1000,
    }


def certificate_figures(made: dict[str, Any], runs: int) -> dict[str, Any]:
    from django.db import connection

    from diemcau.accounts.scopes import Scope
    from diemcau.assessment.certificates import services as certificates
    from diemcau.delegates.models import Delegate
    from diemcau.sites.models import Site

    conf = made["conference"]
    central = Scope(user_id=0, everything=True)
    code = Site.objects.get(pk=made["site_150"]).code
    started = time.perf_counter()
    data, pages = certificates.site_pdf(central, conf, code)
    first_s = time.perf_counter() - started
    again = median_ms(lambda: certificates.site_pdf(central, conf, code), max(3, runs // 3))
    people = list(Delegate.objects.filter(pk__in=made["on_demand"]).order_by("pk"))
    certificates.pdf_of(certificates.issue(people[0], conf))  # fonts registered off the clock
    made_now: list[float] = []
    for d in people[1:]:
        started = time.perf_counter()
        certificates.pdf_of(certificates.issue(d, conf))
        made_now.append(time.perf_counter() - started)
    kept: list[float] = []
    for d in people[1:]:
        started = time.perf_counter()
        certificates.pdf_of(certificates.issue(d, conf))
        kept.append(time.perf_counter() - started)
    figures = {
        "site_pdf_pages": pages,
        "site_pdf_bytes": len(data),
        "site_pdf_first_s": round(first_s, 3),
        "site_pdf_again_s": round(again / 1000, 3),
        "on_demand_not_made_ms_p50": pct(made_now, 0.5),
        "on_demand_not_made_ms_p95": pct(made_now, 0.95),
        "on_demand_kept_ms_p50": pct(kept, 0.5),
        "on_demand_kept_ms_p95": pct(kept, 0.95),
        "on_demand_delegates": len(made_now),
    }
    connection.close()
    return figures


# -- the naive server (granian loads `bench_assessment:naive_application`) -------------------
def _naive_app() -> Any:
    """diemcau whose quiz save and submit write one row per answer and score from the rows."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from django.db import connection, transaction
    from django.utils import timezone

    from diemcau.assessment.models import Attempt, Question
    from diemcau.assessment.quiz import attempts as quiz

    def save_answers(delegate: Any, attempt_id: Any, answers: Any, now: Any = None) -> Any:
        with transaction.atomic():
            attempt = quiz.get_attempt(delegate, attempt_id, lock=True)
            delete = f"DELETE FROM {NAIVE_TABLE} WHERE attempt = %s AND question = %s"  # noqa: S608
            add = f"INSERT INTO {NAIVE_TABLE} (attempt, question, option) VALUES (%s, %s, %s)"  # noqa: S608
            with connection.cursor() as cursor:
                for qid, chosen in answers.items():
                    cursor.execute(delete, [str(attempt.pk), int(qid)])
                    for option in chosen:
                        cursor.execute(add, [str(attempt.pk), int(qid), option])
            return attempt

    def submit(delegate: Any, attempt_id: Any, answers: Any = None, now: Any = None) -> Any:
        with transaction.atomic():
            attempt = quiz.get_attempt(delegate, attempt_id, lock=True)
            if attempt.submitted_at is not None:
                return attempt
            score = maximum = 0
            with connection.cursor() as cursor:
                for qid in attempt.question_ids:
                    question = Question.objects.get(pk=qid)
                    cursor.execute(f"SELECT option FROM {NAIVE_TABLE} WHERE attempt = %s "  # noqa: S608
                                   "AND question = %s", [str(attempt.pk), qid])  # fmt: skip
                    chosen = {row[0] for row in cursor.fetchall()}
                    maximum += question.points
                    if chosen and chosen == set(question.correct):
                        score += question.points
            attempt.score, attempt.max_score = score, maximum
            attempt.passed = quiz.passed(score, maximum, attempt.pass_percent)
            attempt.submitted_at = timezone.now()
            Attempt.objects.filter(pk=attempt.pk).update(
                score=score, max_score=maximum, passed=attempt.passed,
                submitted_at=attempt.submitted_at,
            )  # fmt: skip
            return attempt

    quiz.save_answers = save_answers  # type: ignore[assignment]
    quiz.submit = submit  # type: ignore[assignment]
    quiz.submit_by_token = lambda *args, **kwargs: None  # type: ignore[assignment] - no lean path
    return application


def __getattr__(name: str) -> Any:
    makers = {"naive_application": _naive_app}
    if name in makers:
        app = makers[name]()
        globals()[name] = app
        return app
    raise AttributeError(name)


def naive_table() -> None:
    from django.db import connection

    serial = "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {NAIVE_TABLE} (id {serial} PRIMARY KEY, attempt VARCHAR(36) NOT NULL, "
            "question INTEGER NOT NULL, option INTEGER NOT NULL)"
        )
        cursor.execute(f"CREATE INDEX {NAIVE_TABLE}_aq ON {NAIVE_TABLE} (attempt, question)")
    connection.close()


# -- main ------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    made = setup(args)
    naive_table()
    results: dict[str, Any] = {
        "database": connection.vendor,
        "sites": args.sites,
        "delegates": args.delegates,
        "data_load_s": made["data_s"],
        "status_rows_s": made["status_rows_s"],
        "certificate_rows_s": made["certificate_rows_s"],
        "workers": 2,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    results["completion"] = completion_figures(made, args.runs)
    results["verification"] = verify_figures(made, args.runs, args.verify)
    env = os.environ.copy()
    server, port = start_server(env)
    try:
        results["verification"]["http"] = verify_http(port, args.clients, args.verify)
        results["verification"]["http_one_client"] = verify_http(port, 1, args.verify // 2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {made['token']}"}

        def rollup_call() -> None:
            conn.request(
                "GET", f"/api/v1/completion?conference={made['conference']}", headers=headers
            )
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status

        results["completion"]["rollup_root_http_ms"] = median_ms(rollup_call, args.runs)
        conn.close()
        results["quiz_submissions"] = submissions(
            made, port, server.pid, args.submissions, args.clients, naive=False
        )
    finally:
        stop(server)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    django_path, port = start_server({**os.environ, "DIEMCAU_SUBMIT_FASTPATH": "0"})
    try:
        results["quiz_submissions_django_path"] = submissions(
            made, port, django_path.pid, args.submissions, args.clients, naive=False
        )
    finally:
        stop(django_path)
    if args.naive:
        naive, port = start_server(env, "bench_assessment:naive_application")
        try:
            results["quiz_submissions_naive_one_row_per_answer"] = submissions(
                made, port, naive.pid, args.naive, args.clients, naive=True
            )
        finally:
            stop(naive)
    # last: it uses up the delegates without an attempt
    if args.wrk_seconds and shutil.which("wrk"):
        server, port = start_server(os.environ.copy())
        try:
            results["quiz_submissions_wrk"] = submissions_wrk(
                made, port, args.wrk_seconds, args.wrk_attempts
            )
        finally:
            stop(server)
    results["certificates"] = certificate_figures(made, args.runs)
    results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--delegates", type=int, default=1_500_000)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--runs", type=int, default=15, help="Calls per median")
    parser.add_argument("--submissions", type=int, default=30_000)
    parser.add_argument("--naive", type=int, default=2_000, help="Submissions on the naive path")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--wrk-seconds", type=float, default=10.0, help="wrk submission run (0: skip)"
    )
    parser.add_argument("--wrk-attempts", type=int, default=40_000, help="Fresh attempts for wrk")
    parser.add_argument("--verify", type=int, default=5_000, help="Codes verified per way")
    add_out_argument(parser, "assessment.json")
    args = parser.parse_args()

    with throwaway_data("as"):
        results = run(args)
    save(results, args.out)


if __name__ == "__main__":
    main()
