"""The site console's live state (/console/<code>/live/) at full scale, beside a naive count.

    .venv/bin/python bench/bench_console_live.py              # 11,000 sites, 1.5M delegates
    .venv/bin/python bench/bench_console_live.py --sites 500 --delegates 60000   # a small run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_console_live.py

Every console asks for it once a minute: 11,000 sites make ~180 requests a second all day. It
builds a throwaway data folder (or PostgreSQL database) with `--sites` sites, `--delegates`
delegates (written as the import writes them), one session for which `--share` of them are
checked in (one INSERT … executemany, or COPY on PostgreSQL), and `--questions` questions over
random sites, a third of their clusters with a published answer.

Then, for `--sample` random sites, in this process (no HTTP: the view adds a site lookup and
JSON), the median and p95 of:
- `live`: console.services.live_state — the site's delegates checked in for the session (found
  through the site's delegates and the one-valid-check-in index) and its latest 20 questions;
- `naive`: the same count asked of the check-ins by their site column, which has no index on
  purpose (every index costs each of 1.5 million inserts): what the obvious query would cost;
- `roster`: delegates.services.roster, what each console already downloads every 5 minutes.
Each call's answer is checked against the loaded data. JSON goes to stdout and
bench/results/console_live.json (one entry per database vendor).
"""

import argparse
import datetime as dt
import platform
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from common import (  # noqa: E402 - a sibling module
    add_out_argument,
    conference_day,
    migrated_with_units,
    save,
    sites_and_delegates,
    throwaway_data,
)

DAY = dt.date(2025, 6, 14)


def load(args: argparse.Namespace) -> dict[str, Any]:
    migrated_with_units()
    started = time.perf_counter()
    sites = sites_and_delegates(args.sites, args.delegates)
    (session,) = conference_day(DAY, (("Sáng", 8, 11),))
    checked = create_checkins(session, args.share)
    create_questions(args.questions, [pk for pk, _ in sites])
    return {
        "session": session,
        "checkins": checked,
        "data_s": round(time.perf_counter() - started, 1),
    }


def create_checkins(session: int, share: float) -> int:
    """`share` of the delegates checked in at their own site, one row each, in one go."""
    from django.db import connection, transaction

    from diemcau.attendance.models import CheckIn
    from diemcau.delegates.models import Delegate

    rng = random.Random(7)
    now = dt.datetime(2025, 6, 14, 1, 30, tzinfo=dt.UTC)
    rows = [
        (uuid.UUID(int=rng.getrandbits(128)).hex, pk, session, site, False, False, now, now, "")
        for pk, site in Delegate.objects.values_list("pk", "site_id").iterator(chunk_size=50_000)
        if rng.random() < share
    ]
    table = CheckIn._meta.db_table
    columns = (
        "id, delegate_id, session_id, site_id, other_site, manual, scanned_at, received_at, "
        "annul_reason"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * 9)
            insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - our names
            cursor.executemany(insert, rows)
    return len(rows)


def create_questions(n: int, site_ids: list[int]) -> None:
    """n questions over random sites, ten to a cluster; a third of the clusters answered."""
    from django.utils import timezone

    from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus, Sector
    from diemcau.sites.models import Site

    rng = random.Random(11)
    sector = Sector.objects.order_by("pk").first() or Sector.objects.create(
        code="noi-vu", name="Nội vụ"
    )
    clusters = Cluster.objects.bulk_create([Cluster(sector=sector) for _ in range(max(1, n // 10))])
    Answer.objects.bulk_create(
        [
            Answer(cluster=c, sector=sector, text=f"Trả lời {c.pk}", published_at=timezone.now())
            for c in clusters[::3]
        ]
    )
    units = dict(Site.objects.values_list("pk", "unit_id"))
    Question.objects.bulk_create(
        [
            Question(
                text=f"Câu hỏi số {i} về tổ chức chính quyền cấp xã?",
                site_id=(site := rng.choice(site_ids)),
                unit_id=units[site],
                cluster=clusters[i % len(clusters)],
                status=QuestionStatus.ROUTED,
            )
            for i in range(n)
        ],
        batch_size=5_000,
    )


def timed(fn: Any, sites: list[Any]) -> tuple[dict[str, float], list[Any]]:
    answers = []
    times = []
    for site in sites:
        started = time.perf_counter()
        answers.append(fn(site))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    median = statistics.median(times)
    return {
        "median_ms": round(median, 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "calls_per_cpu_s": round(1000 / median),
    }, answers


def run(args: argparse.Namespace) -> dict[str, Any]:
    loaded = load(args)
    from django.db import connection

    from diemcau.accounts.scopes import Scope
    from diemcau.attendance.models import CheckIn
    from diemcau.console import services
    from diemcau.delegates import services as delegates
    from diemcau.sites.models import Site

    everything = Scope(user_id=0, everything=True)
    session = loaded["session"]
    sample = random.Random(3).sample(list(Site.objects.all()), min(args.sample, args.sites))
    sample = sample * args.runs  # each site asked `runs` times: the medians are over all calls
    live, live_answers = timed(lambda s: services.live_state(everything, s, session), sample)
    naive, naive_answers = timed(
        lambda s: set(
            CheckIn.objects.filter(site_id=s.pk, session_id=session, annulled_at__isnull=True)
            .order_by()
            .values_list("delegate__code", flat=True)
        ),
        sample[: args.naive_sample],
    )
    roster, _ = timed(lambda s: delegates.roster(everything, s.code), sample)
    for got, counted in zip(live_answers, naive_answers, strict=False):
        assert set(got["checked_in"]) == counted  # everyone sits at their own site here
    total = sum(len(a["checked_in"]) for a in live_answers)
    return {
        "database": connection.vendor,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "sites": args.sites,
        "delegates": args.delegates,
        "checkins": loaded["checkins"],
        "questions": args.questions,
        "data_s": loaded["data_s"],
        "sampled_sites": len(sample) // args.runs,
        "runs": args.runs,
        "mean_checked_in_per_site": round(total / len(sample), 1),
        "needed_calls_per_s": round(args.sites / 60),  # each console asks once a minute
        "live_state": live,
        "naive_count_by_site_column": {**naive, "calls": len(naive_answers)},
        "roster_baseline": roster,
        "live_vs_naive_speedup": round(naive["median_ms"] / live["median_ms"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--delegates", type=int, default=1_500_000)
    parser.add_argument("--share", type=float, default=0.85, help="share checked in")
    parser.add_argument("--questions", type=int, default=30_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="passes over the sampled sites")
    parser.add_argument("--naive-sample", type=int, default=20, help="the naive count is slow")
    add_out_argument(parser, "console_live.json")
    args = parser.parse_args()
    with throwaway_data("console_live"):
        save(run(args), args.out)


if __name__ == "__main__":
    main()
