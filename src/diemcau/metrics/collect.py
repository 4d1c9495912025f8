"""Figures read from the database at scrape time: the same on every app server, and the same
as the pages show (the sites' states from the operations dashboard's own state expression)."""

import time
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from diemcau.operations import clock, liveness, rollup
from diemcau.operations.livestate import get_store
from diemcau.operations.models import SiteLive
from diemcau.sites.models import Site
from diemcau.tasks.models import Task, TaskStatus


class DomainCollector(Collector):
    def collect(self) -> Iterator[Any]:
        yield from _sites()
        yield from _tasks()
        yield from _live()
        yield from _database()


def site_counts(now: float) -> dict[str, int]:
    """The nation's sites by state, as the dashboard counts them at its root (every site; a
    site silent past the offline delay is offline at read time): its one GROUP BY, without the
    drill-down's units, names and worst sites, which a scrape every few seconds does not need;
    a site the live store saw since the cutoff counts by that beat, as on the dashboard."""
    live = liveness.read(Site.objects.all(), now)
    rows = (
        Site.objects.annotate(st=rollup.state_expr(live.cutoff, live))
        .values("st")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys([s.value for s in rollup.STATES], 0)
    for row in rows:
        counts[row["st"]] += row["n"]
    return counts


def _sites() -> Iterator[Any]:
    counts = site_counts(clock.now())
    family = GaugeMetricFamily(
        "diemcau_sites",
        "Sites by live state, as the operations dashboard counts them.",
        labels=["state"],
    )
    for state in rollup.STATES:
        family.add_metric([state.value], counts[state.value])
    yield family


def _tasks() -> Iterator[Any]:
    waiting = Task.objects.filter(status=TaskStatus.QUEUED)
    oldest = waiting.aggregate(at=Min("created_at"))["at"]
    depth = GaugeMetricFamily(
        "diemcau_tasks", "Background tasks waiting for or on a worker.", labels=["status"]
    )
    depth.add_metric(["queued"], waiting.count())
    depth.add_metric(["running"], Task.objects.filter(status=TaskStatus.RUNNING).count())
    yield depth
    yield GaugeMetricFamily(
        "diemcau_task_queue_oldest_seconds",
        "Age of the oldest task still waiting for a worker (0: none waits).",
        value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
    )


def _live() -> Iterator[Any]:
    newest = SiteLive.objects.aggregate(at=Max("last_seen"))["at"]
    yield GaugeMetricFamily(
        "diemcau_live_newest_beat_age_seconds",
        "Seconds since the newest heartbeat the flusher wrote to the database; while sites "
        "beat, a value well above a few seconds means the flusher lags.",
        value=max(0.0, time.time() - newest.timestamp()) if newest else float("nan"),
    )
    waiting, oldest = get_store().backlog()
    yield GaugeMetricFamily(
        "diemcau_live_backlog_beats",
        "Heartbeats accepted and waiting in the live store for the flusher to write them "
        "(the shared Redis store: every server's; the embedded memory store: this process's).",
        value=waiting,
    )
    yield GaugeMetricFamily(
        "diemcau_live_flush_lag_seconds",
        "How long the oldest heartbeat still waiting for the flusher has waited (0: none "
        "waits): the flusher's lag. The dashboard counts a beating site by its newest beat in "
        "the live store whatever this lag; the history and incidents wait for the flush.",
        value=max(0.0, clock.now() - oldest) if oldest is not None else 0.0,
    )


def _database() -> Iterator[Any]:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
            "GROUP BY state"
        )
        rows = cursor.fetchall()
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    family = GaugeMetricFamily(
        "diemcau_db_connections", "Connections to the database, by state.", labels=["state"]
    )
    for state, count in rows:
        family.add_metric([state or "unknown"], count)
    yield family
    yield GaugeMetricFamily(
        "diemcau_db_connections_max", "The database's connection limit.", value=limit
    )
