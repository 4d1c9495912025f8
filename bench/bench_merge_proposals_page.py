"""The merge proposals page at 50,000 questions: the stored batch against computing per visit.

    .venv/bin/python bench/bench_merge_proposals_page.py [--runs 7] [--old-runs 3]
    DATABASE_URL=postgres://postgres@127.0.0.1/<name> .venv/bin/python \
        bench/bench_merge_proposals_page.py

Data: bench_question_pages.build (the real unit tree, 11,000 demo sites, N seeded questions
clustered by the intake engine, 60 % routed, 30 % answered, 1 % rejected), on a fresh SQLite file
or a throw-away PostgreSQL database beside the named one.

Figures (ms, medians; CPU of this process beside the wall time):
  page_*             GET /questions/moderate/merges/ through Django, the stored batch read and
                     narrowed to the viewer's scope (central, the Hà Nội organiser)
  moderation_link_*  the moderation page's count of waiting proposals (its link), alone
  compute            the background task's work: the batch look over every question, stored
  old_page_*         baseline, the page's work before: the batch computed on the visit, then
                     narrowed and its texts read (services.merge_offers as issue 18 left it)

JSON goes to stdout and into bench/results/merge_proposals_page.json (one entry per database).
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from common import (  # noqa: E402 - a sibling module of this script
    add_out_argument,
    machine,
    migrated_then_built,
    save,
    throwaway_data,
)

HANOI = "01"


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {
        "ms": round(statistics.median(wall), 1),
        "cpu_ms": round(statistics.median(cpu), 1),
        "runs": runs,
    }


def old_page(scope: Any, limit: int = 50) -> list[Any]:
    """merge_offers before this change: the batch on every visit, then scope and texts."""
    from diemcau.questions.services import merge_offers as mo

    found = mo._live_proposals()
    kept: list[Any] = []
    for start in range(0, len(found), 200):
        kept += mo._mergeable(scope, found[start : start + 200])
        if len(kept) >= limit:
            break
    return mo._with_texts(kept[:limit])


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from diemcau.accounts.scopes import scope_for
    from diemcau.accounts.services import add_user
    from diemcau.questions.models import StoredMergeProposal
    from diemcau.questions.services import merge_offers

    users = get_user_model().objects
    add_user("bench-central", "central_organiser", None)
    add_user("bench-hanoi", "province_organiser", HANOI)
    scopes = {n: scope_for(users.get(username=f"bench-{n}")) for n in ("central", "hanoi")}
    clients = {}
    for name in scopes:
        clients[name] = Client()
        clients[name].force_login(users.get(username=f"bench-{name}"))

    out: dict[str, Any] = {"load_average_before": round(os.getloadavg()[0], 1)}
    out["compute"] = timed(merge_offers.compute, max(1, args.old_runs))
    out["stored_proposals"] = StoredMergeProposal.objects.count()

    def page(client: Client) -> Callable[[], None]:
        def get() -> None:
            response = client.get("/questions/moderate/merges/")
            assert response.status_code == 200, response.status_code

        return get

    for name, scope in scopes.items():
        out[f"page_{name}"] = timed(page(clients[name]), args.runs)
        out[f"moderation_link_{name}"] = timed(
            lambda s=scope: merge_offers.waiting_count(s), args.runs
        )
        out[f"waiting_{name}"] = merge_offers.waiting_count(scope)
        out[f"old_page_{name}"] = timed(lambda s=scope: old_page(s), args.old_runs)
        out[f"ratio_old_to_page_{name}"] = round(
            out[f"old_page_{name}"]["ms"] / out[f"page_{name}"]["ms"], 1
        )
    out["load_average_after"] = round(os.getloadavg()[0], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--old-runs", type=int, default=3)
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--seed", type=int, default=7)
    add_out_argument(parser, "merge_proposals_page.json")
    args = parser.parse_args()
    with throwaway_data("mp"):
        from bench_question_pages import _built_vacuumed

        built = migrated_then_built(lambda: _built_vacuumed(args))
        from django.db import connection

        results = {
            "database": connection.vendor,
            "questions": args.questions,
            "seed": args.seed,
            **machine(),
            "data": built,
            **measure(args),
        }
    save(results, args.out)


if __name__ == "__main__":
    main()
