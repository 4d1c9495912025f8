"""What the report's operations counters (issue 19, operations/counters.py) cost the flush: beats
a second written on PostgreSQL + Redis with the counters kept against the same flush with them
switched off, same run, same data, alternating (bench_scaleout_flush's run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bench_flush_counters.py --sites 11000 --rounds 3 --runs 3

A session covers the beats' time (the flush maps every beat to it: the cost during a session,
the worst case); each run starts with empty history, live and counter tables, then `--rounds`
beats of every site are queued and flushed until the store is empty. Round 1 creates the live
rows and the (site, session) pairs; rounds ≥ 2 are the steady state (every pair already there).
The sweep finds nobody silent, so the outage counter is not exercised here (it moves only
with a change of state; tests/test_report_counters exercises it).

JSON: bench/results/reports_flush_counters.json.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scaleout_flush import one_run
from common import migrated_with_units, throwaway_data

ROOT = Path(__file__).resolve().parent.parent


def session_now() -> None:
    """A session from an hour ago to an hour ahead, in the conference's time zone (on the day
    it starts: one that ends after midnight runs into the next day)."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from diemcau.programme.models import Conference, Day, Session

    local = dt.datetime.now(ZoneInfo(settings.TIME_ZONE))
    start, end = local - dt.timedelta(hours=1), local + dt.timedelta(hours=1)
    conference = Conference.objects.create(
        slug="bench-flush", name="Bench", host="BTC", starts_on=start.date(), ends_on=end.date()
    )
    day = Day.objects.create(conference=conference, date=start.date())
    Session.objects.create(day=day, title="S1", starts_at=start.time(), ends_at=end.time())


def run(variant: str, site_ids: list[int], rounds: int, store: Any) -> dict[str, Any]:
    from django.db import connection

    from diemcau.operations import counters
    from diemcau.operations.models import SessionConnected, SessionOutage, SiteDown

    with connection.cursor() as cursor:
        for model in (SessionConnected, SessionOutage, SiteDown):
            cursor.execute(f"TRUNCATE {model._meta.db_table}")
    saved = (counters.beats_written, counters.changes_written)
    if variant == "without":
        counters.beats_written = lambda beats: 0  # type: ignore[assignment]
        counters.changes_written = lambda changes: None  # type: ignore[assignment]
    try:
        out = one_run("now", site_ids, rounds, store)
    finally:
        counters.beats_written, counters.changes_written = saved
    out["pairs"] = SessionConnected.objects.count()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench/results/reports_flush_counters.json"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("DATABASE_URL=postgres://… please: this measures the PostgreSQL flush")
    with throwaway_data("flushc"):
        migrated_with_units()
        import redis

        from diemcau.operations.livestate import RedisStore
        from diemcau.sites.demo import load_demo_sites
        from diemcau.sites.models import Site

        load_demo_sites(args.sites, 2026)
        session_now()
        site_ids = list(Site.objects.order_by("pk").values_list("pk", flat=True))
        client = redis.Redis(host="127.0.0.1", port=6379, db=12)
        store = RedisStore(client, f"diemcau:bench-flushc:{uuid.uuid4().hex}:")
        results: dict[str, Any] = {
            "sites": len(site_ids),
            "rounds": args.rounds,
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            "runs": {"without": [], "with": []},
        }
        try:
            for i in range(args.runs):
                order = ("without", "with") if i % 2 == 0 else ("with", "without")
                for variant in order:
                    results["runs"][variant].append(run(variant, site_ids, args.rounds, store))
                    print(variant, results["runs"][variant][-1], file=sys.stderr)  # noqa: T201
        finally:
            store.clear()
        results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        for variant, runs in results["runs"].items():
            results[variant] = {k: round(statistics.median(r[k] for r in runs)) for k in runs[0]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "runs"}, indent=1))  # noqa: T201


if __name__ == "__main__":
    main()
