"""Operations that act (issue 17) at full scale: whom to call, the map of provinces, a province's
breakdown and the phone-bank export, over 11,000 sites in every live state.

    .venv/bin/python bench/bench_operations_pages.py [--runs 5] [--sites 11000] [--no-naive]
    DATABASE_URL=postgres://postgres@127.0.0.1/test .venv/bin/python bench/bench_operations_pages.py

Without DATABASE_URL it runs on a fresh SQLite file (the embedded settings) in a temporary data
folder; with it, on a throw-away database `diemcau_bench_ops_<pid>` beside the named one.

Data: the real unit tree and N demo sites (with their technicians and phones). Live state as on a
troubled morning, seeded: ~4 % never connected (418 of 11,000, the figure in issue 17), 5 %
offline (silent for 1 to 60 minutes), 6 % degraded, the rest online; an open automatic incident
for every offline site.

Figures, each the median of --runs timings (ms) through Django (middleware, view, services,
template) after one warm-up, signed in as the central organiser unless the name says Hà Nội:
  call_list_*         GET /operations/sites/: default (trouble first), Hà Nội's organiser,
                      never connected only, longest silent first, a search, page 10
  map_*               GET /operations/map/ (the 34 tiles), central and Hà Nội
  breakdown_hanoi     GET /operations/map/01/ (Hà Nội's communes), and searched
  export_xlsx / _csv  GET /operations/sites/export.xlsx|csv: every site in trouble (~1,650)
  dashboard_status    baseline: GET /api/v1/operations/status, the dashboard's existing call
  naive_call_list     baseline: every site and its live row read into Python, classified,
                      sorted and the first 50 kept, one query per row for its open incident

JSON goes to stdout and into bench/results/operations_pages.json (one entry per database vendor).
"""

import argparse
import datetime as dt
import random
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


def _median_ms(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    fn()  # warm the connection, the statement cache and the templates
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(round((time.perf_counter() - started) * 1000, 2))
    return round(statistics.median(times), 2), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--no-naive", action="store_true", help="Skip the naive baseline.")
    add_out_argument(parser, "operations_pages.json")
    args = parser.parse_args()

    with throwaway_data("ops"):
        results = run(args)
    save(results, args.out)


def run(args: argparse.Namespace) -> dict[str, Any]:
    built = migrated_then_built(lambda: build(args))
    from django.db import connection

    figures = measure(args, built.pop("at"))
    return {
        "database": connection.vendor,
        "sites": args.sites,
        "seed": args.seed,
        "runs": args.runs,
        **machine(),
        "data": built,
        **figures,
    }


def build(args: argparse.Namespace) -> dict[str, Any]:
    """Each site's live row (or none: never connected) and the offline sites' incidents."""
    from django.db import transaction
    from django.utils import timezone

    from diemcau.operations import health
    from diemcau.operations.models import Incident, IncidentCause, IncidentOrigin, SiteLive
    from diemcau.sites.demo import load_demo_sites
    from diemcau.sites.models import Site
    from diemcau.units.services import load_units

    load_units()
    load_demo_sites(args.sites, args.seed)
    rng = random.Random(args.seed)
    now = timezone.now()
    lives, incidents = [], []
    counts = dict.fromkeys(["never", "offline", "degraded", "online"], 0)
    for pk, province_id in Site.objects.values_list("pk", "province_id"):
        roll = rng.random()
        if roll < 0.038:
            counts["never"] += 1
            continue
        if roll < 0.088:
            counts["offline"] += 1
            seen = now - dt.timedelta(seconds=rng.uniform(60, 3600))
            lives.append(SiteLive(site_id=pk, state="offline", reasons="silent", score=300))
            incidents.append(
                Incident(
                    site_id=pk,
                    province_id=province_id,
                    cause=IncidentCause.NO_SIGNAL,
                    origin=IncidentOrigin.AUTO,
                    opened_at=seen + dt.timedelta(seconds=health.OFFLINE_AFTER_S),
                )
            )
        elif roll < 0.148:
            counts["degraded"] += 1
            seen = now - dt.timedelta(seconds=rng.uniform(0, 5))
            lives.append(SiteLive(site_id=pk, state="degraded", reasons="buffering", score=60))
        else:
            counts["online"] += 1
            seen = now - dt.timedelta(seconds=rng.uniform(0, 5))
            lives.append(SiteLive(site_id=pk, state="online"))
        lives[-1].last_seen = seen
        lives[-1].since = seen
    with transaction.atomic():
        SiteLive.objects.bulk_create(lives, batch_size=2000)
        Incident.objects.bulk_create(incidents, batch_size=2000)
    return {"states": counts, "open_incidents": len(incidents), "at": now.timestamp()}


def measure(args: argparse.Namespace, at: float) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from diemcau.accounts.services import add_user
    from diemcau.operations import clock

    # The live clock stands at the moment the states were written, as the tests' clock does:
    # otherwise every "online" site would fall silent 15 s into the run and the lists grow.
    clock.now = lambda: at + 5

    users = get_user_model().objects
    add_user("bench-central", "central_organiser", None)
    add_user("bench-hanoi", "province_organiser", HANOI)
    central, hanoi = Client(), Client()
    central.force_login(users.get(username="bench-central"))
    hanoi.force_login(users.get(username="bench-hanoi"))

    def get(client: Client, url: str) -> Callable[[], object]:
        def fetch() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return fetch

    pages = {
        "call_list_central": get(central, "/operations/sites/"),
        "call_list_hanoi": get(hanoi, "/operations/sites/"),
        "call_list_never": get(central, "/operations/sites/?state=never"),
        "call_list_silent_first": get(central, "/operations/sites/?sort=silent"),
        "call_list_search": get(central, "/operations/sites/?q=phuong&state=all"),
        "call_list_page_10": get(central, "/operations/sites/?page=10"),
        "map_central": get(central, "/operations/map/"),
        "map_hanoi": get(hanoi, "/operations/map/"),
        "breakdown_hanoi": get(central, f"/operations/map/{HANOI}/"),
        "breakdown_hanoi_search": get(central, f"/operations/map/{HANOI}/?q=phuong&sort=online"),
        "export_xlsx": get(central, "/operations/sites/export.xlsx"),
        "export_csv": get(central, "/operations/sites/export.csv"),
        "dashboard_status": get(central, "/api/v1/operations/status"),
    }
    if not args.no_naive:
        pages["naive_call_list"] = naive_call_list
    median: dict[str, float] = {}
    runs: dict[str, list[float]] = {}
    for name, fn in pages.items():
        median[name], runs[name] = _median_ms(fn, args.runs)
    html = central.get(f"/operations/map/{HANOI}/").content.decode()
    listed = central.get("/operations/sites/export.csv").content.decode("utf-8-sig")
    return {
        "exported_rows": listed.count("\n") - 1,
        "median_ms": median,
        "runs_ms": runs,
        "hanoi_breakdown_rows": html.count("<tr data-code="),
        "slowest_page_ms": max(v for k, v in median.items() if not k.startswith("naive")),
    }


def naive_call_list() -> list[dict[str, Any]]:
    """What a first version would do: all sites into Python, classify, sort, one query per row."""
    from diemcau.operations import clock, health
    from diemcau.operations.models import Incident, LiveState, SiteLive
    from diemcau.sites.models import Site

    cutoff = dt.datetime.fromtimestamp(clock.now() - health.OFFLINE_AFTER_S, tz=dt.UTC)
    lives = {live.site_id: live for live in SiteLive.objects.all()}
    rows = []
    for site in Site.objects.select_related("unit", "province"):
        live = lives.get(site.pk)
        if live is None:
            state = LiveState.NEVER
        elif live.last_seen < cutoff:
            state = LiveState.OFFLINE
        else:
            state = LiveState(live.state)
        if state != LiveState.ONLINE:
            rows.append((health.STATE_RANK[state], site, live))
    rows.sort(key=lambda r: (-r[0], r[2].last_seen if r[2] else dt.datetime.min, r[1].code))
    out = []
    for _rank, site, _live in rows[:50]:
        incident = Incident.objects.filter(site=site, status="open").first()
        out.append({"code": site.code, "phone": site.tech_phone, "incident": incident})
    return out


if __name__ == "__main__":
    main()
