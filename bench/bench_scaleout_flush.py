"""How many heartbeats a second the flush writes at 35,000 sites on PostgreSQL + Redis: the
flush as it is (history by COPY, live rows by one INSERT … unnest … ON CONFLICT) against the
flush as it was (a statement per row for both, executemany), same run, same data, alternating.
Both lock the live rows with today's one query (before: 500 ids a query, a small difference).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bench_scaleout_flush.py --sites 35000 --rounds 2 --runs 3

Each run: empty history and live tables, `--rounds` beats of every site queued in Redis (as the
servers queue them), then `services.flush()` until the store is empty, timed (wall; the
database's CPU is on the same 2 cores). The first round creates every live row, the next ones
update them (the day's steady state), so rounds ≥ 2 is the figure that matters.

JSON: bench/results/scaleout_flush.json.
"""

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import migrated_with_units, throwaway_data

ROOT = Path(__file__).resolve().parent.parent


def _old_write_history(beats: Any) -> None:
    """The flush before: one INSERT per sample (executemany)."""
    from django.db import connection

    from diemcau.operations import services
    from diemcau.operations.models import HeartbeatSample

    table = HeartbeatSample._meta.db_table
    cols = ", ".join(services._HISTORY_COLUMNS)
    marks = ", ".join(["%s"] * len(services._HISTORY_COLUMNS))
    rows = [(b.site_id, services._db_time(b.received_at), *services._metrics(b)) for b in beats]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608


def _old_upsert_live(upserts: Any) -> None:
    """The flush before: one INSERT … ON CONFLICT per site (executemany)."""
    from django.db import connection

    from diemcau.operations import services
    from diemcau.operations.models import SiteLive

    table = SiteLive._meta.db_table
    cols = ", ".join(services._LIVE_COLUMNS)
    marks = ", ".join(["%s"] * len(services._LIVE_COLUMNS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in services._LIVE_COLUMNS[1:])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({cols}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT (site_id) DO UPDATE SET {updates}",
            upserts,
        )


def one_run(variant: str, site_ids: list[int], rounds: int, store: Any) -> dict[str, Any]:
    from django.db import connection

    from diemcau.operations import services
    from diemcau.operations.livestate import Beat
    from diemcau.operations.models import HeartbeatSample, SiteLive, SiteStatusChange

    with connection.cursor() as cursor:
        for model in (HeartbeatSample, SiteStatusChange, SiteLive):
            cursor.execute(f"TRUNCATE {model._meta.db_table}")
    store.clear()
    saved = (services._write_history, services._upsert_live)
    if variant == "before":
        services._write_history = _old_write_history  # type: ignore[assignment]
        services._upsert_live = _old_upsert_live  # type: ignore[assignment]
    try:
        timings = []
        for r in range(rounds):
            at = time.time()
            beats = [Beat(pk, at, "S1", True, 8.0, 2500, 0, 1200, 0, "1.0") for pk in site_ids]
            for start in range(0, len(beats), 500):
                store.record(beats[start : start + 500])
            started = time.perf_counter()
            flushed = 0
            while store.backlog()[0]:
                flushed += services.flush(now=at + 1, store=store).samples
            timings.append((flushed, time.perf_counter() - started, r))
    finally:
        services._write_history, services._upsert_live = saved
    assert SiteLive.objects.count() == len(site_ids)
    assert HeartbeatSample.objects.count() == len(site_ids) * rounds
    first, rest = timings[0], timings[1:]
    out = {"create_beats_per_s": round(first[0] / first[1])}
    if rest:
        out["update_beats_per_s"] = round(sum(t[0] for t in rest) / sum(t[1] for t in rest))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=35_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/scaleout_flush.json")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("DATABASE_URL=postgres://… please: this measures the PostgreSQL flush")
    with throwaway_data("flush"):
        migrated_with_units()
        import redis

        from diemcau.operations.livestate import RedisStore
        from diemcau.sites.demo import load_demo_sites
        from diemcau.sites.models import Site

        load_demo_sites(args.sites, 2026)
        site_ids = list(Site.objects.order_by("pk").values_list("pk", flat=True))
        client = redis.Redis(host="127.0.0.1", port=6379, db=12)
        store = RedisStore(client, f"diemcau:bench-flush:{uuid.uuid4().hex}:")
        results: dict[str, Any] = {
            "sites": len(site_ids),
            "rounds": args.rounds,
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            "runs": {"before": [], "now": []},
        }
        try:
            for _ in range(args.runs):
                for variant in ("before", "now"):
                    results["runs"][variant].append(one_run(variant, site_ids, args.rounds, store))
                    print(variant, results["runs"][variant][-1], file=sys.stderr)  # noqa: T201
        finally:
            store.clear()
        results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        for variant, runs in results["runs"].items():
            results[variant] = {
                k: round(statistics.median(r[k] for r in runs)) for k in runs[0] if k in runs[0]
            }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "runs"}, indent=1))  # noqa: T201


if __name__ == "__main__":
    main()
