"""The merge proposals page at 50,000 questions: the stored batch against computing per visit.

    .venv/bin/python bench/bench_merge_proposals_page.py [--runs 7] [--old-runs 3]
    DATABASE_URL=postgres://postgres@127.0.0.1/<name> .venv/bin/python \
        bench/bench_merge_proposals_page.py

Data: bench_question_pages.build (the real unit tree, 11,000 demo sites, N seeded questions
clustered by the intake engine, 60 % routed, 30 % answered, 1 % rejected), on a fresh SQLite file
or a throw-away PostgreSQL database beside the named one.

Figures (ms, medians; CPU of this process beside the wall time):
  page_*             GET /questions/moderate/merges/ through Django, the stored batch read,
                     checked against the clusters now (merge_freshness), narrowed to the viewer's
                     scope, and the automatic refresh's check (central, the Hà Nội organiser)
  moderation_link_*  the moderation page's count of waiting proposals (its link), alone
  service_*          the page's reading alone (stored_offers and merge_refresh.refreshing)
  previous_service_* baseline, the same reading as the commit before merge_freshness did it (no
                     freshness check, no refresh check), same run
  churned_*          page_* and service_* again once --churn proposals' clusters were changed by
                     hand (merged elsewhere or split, see churn) and the batch aged past MIN_AGE
                     with its refresh queued: the outdated pairs counted on every view
  refresh_check      merge_refresh.is_old on an aged batch nobody claimed (the one bounded count
                     a reader pays before queueing the recompute)
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


def previous_service(scope: Any, limit: int = 50) -> Any:
    """stored_offers as the commit before merge_freshness read it: the stored rows as they are,
    dismissed ones left out, narrowed, their texts (no freshness, no refresh check)."""
    from diemcau.questions.models import MergeDismissal, MergeProposalBatch, StoredMergeProposal
    from diemcau.questions.proposals import MergeProposal
    from diemcau.questions.services import merge_offers as mo

    batch = MergeProposalBatch.objects.order_by("-computed_at", "-pk").first()
    dismissed = {
        (t, s): at
        for t, s, at in MergeDismissal.objects.values_list("target_id", "source_id", "dismissed_at")
    }
    rows = [
        MergeProposal(target=t, source=s, score=score)
        for t, s, score in StoredMergeProposal.objects.filter(batch=batch)
        .order_by("rank")
        .values_list("target_id", "source_id", "score")
    ]
    waiting = mo._narrowed(scope, (p for p in rows if (p.target, p.source) not in dismissed))
    return mo._with_texts(waiting[:limit]), len(waiting)


def service(scope: Any) -> None:
    from diemcau.questions.services import merge_offers, merge_refresh

    stored = merge_offers.stored_offers(scope, 50)
    merge_refresh.refreshing(stored.batch, stored.outdated)


def churn(n: int) -> dict[str, int]:
    """Change the clusters of the first `n` stored proposals by hand, as moderators would: at
    even ranks the source merged into an unrelated cluster, at odd ranks the target split (its
    newest question off) when it holds two or more (most proposed clusters hold one: the figures
    say how many of each); then the batch aged past MIN_AGE with its refresh queued (no task
    runs here)."""
    from django.db.models import Count
    from django.utils import timezone

    from diemcau.accounts.scopes import Scope
    from diemcau.errors import Invalid
    from diemcau.questions.models import Cluster, MergeProposalBatch, Question
    from diemcau.questions.models import StoredMergeProposal as Row
    from diemcau.questions.services import merge_refresh
    from diemcau.questions.services.moderation import merge_clusters, split_questions

    everything = Scope(user_id=0, everything=True)
    rows = list(Row.objects.order_by("rank").values_list("target_id", "source_id"))
    involved = {c for pair in rows for c in pair}
    spare = list(
        Cluster.objects.exclude(pk__in=involved)
        .exclude(answer__isnull=False)
        .values_list("pk", flat=True)[:n]
    )
    touched: set[int] = set()
    merged = split = 0
    for i, (target, source) in enumerate(rows[:n]):
        if {target, source} & touched:
            continue
        touched |= {target, source}
        if i % 2 == 0 and spare:
            try:
                merge_clusters(everything, spare.pop(), source)
                merged += 1
            except Invalid:  # both answered: the merge refuses, as it would a moderator
                continue
        else:
            sizes = dict(
                Question.objects.filter(cluster_id=target)
                .values("cluster_id")
                .annotate(n=Count("pk"))
                .values_list("cluster_id", "n")
            )
            if sizes.get(target, 0) >= 2:
                newest = Question.objects.filter(cluster_id=target).order_by("-pk")[0]
                split_questions(everything, target, [newest.pk])
                split += 1
    MergeProposalBatch.objects.update(
        computed_at=timezone.now() - merge_refresh.MIN_AGE * 2, refresh_queued_at=timezone.now()
    )
    return {"merged_by_hand": merged, "split": split}


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
        out[f"service_{name}"] = timed(lambda s=scope: service(s), args.runs)
        out[f"previous_service_{name}"] = timed(lambda s=scope: previous_service(s), args.runs)
        out[f"moderation_link_{name}"] = timed(
            lambda s=scope: merge_offers.waiting_count(s), args.runs
        )
        out[f"waiting_{name}"] = merge_offers.waiting_count(scope)
        out[f"old_page_{name}"] = timed(lambda s=scope: old_page(s), args.old_runs)
        out[f"ratio_old_to_page_{name}"] = round(
            out[f"old_page_{name}"]["ms"] / out[f"page_{name}"]["ms"], 1
        )
    out["churn"] = churn(args.churn)
    for name, scope in scopes.items():
        stored = merge_offers.stored_offers(scope, 50)
        out[f"churned_outdated_{name}"] = stored.outdated
        out[f"churned_waiting_{name}"] = stored.waiting
        out[f"churned_page_{name}"] = timed(page(clients[name]), args.runs)
        out[f"churned_service_{name}"] = timed(lambda s=scope: service(s), args.runs)
    from diemcau.questions.models import MergeProposalBatch
    from diemcau.questions.services import merge_refresh

    MergeProposalBatch.objects.update(refresh_queued_at=None)
    batch = MergeProposalBatch.objects.get()
    out["refresh_check"] = timed(
        lambda: merge_refresh.is_old(batch, 0, batch.computed_at + merge_refresh.MAX_AGE),
        args.runs,
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
    parser.add_argument(
        "--churn", type=int, default=40, help="Proposals whose clusters change before churned_*."
    )
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
