"""A site's live state as every page counts it: the database's `SiteLive` row, corrected by the
live store for the sites the flusher has not caught up with.

The flusher writes the store's beats to the database a fraction of a second after they arrive —
when it keeps up. Under a load it cannot keep up with (35,000 sites on two shared cores: the
flushers fell minutes behind), the database's `last_seen` ages while the sites keep beating, and
a state read from it alone called every site offline. So the sites the database would call
silent, never seen or offline (few in a normal day: the sites really silent) are looked up in the
live store in one call; those with a beat since the offline cutoff take the state that beat gives
(`health.classify`), the rest keep the database's verdict. The dashboard's counts and trouble
list, `/metrics`, the call list and the map all read states through `rollup.state_expr` with the
same `Liveness`, so they agree with each other whatever the flusher's lag.
"""

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, F, Func, Q, QuerySet

from diemcau.operations import health
from diemcau.operations.livestate import Beat, LiveStore, get_store
from diemcau.operations.models import LiveState
from diemcau.sites.models import Site


@dataclass(frozen=True)
class Liveness:
    """The offline cutoff, and the sites the store saw after it while the database did not."""

    cutoff: dt.datetime
    beats: dict[int, Beat] = field(default_factory=dict)  # site id → its newest beat in the store
    online: tuple[int, ...] = ()
    degraded: tuple[int, ...] = ()

    def state_of(self, site_id: int) -> str | None:
        """The store's state for a site it corrects, else None (the database's row holds)."""
        beat = self.beats.get(site_id)
        return health.classify(beat).state if beat is not None else None


def cutoff_at(now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now - health.OFFLINE_AFTER_S, tz=dt.UTC)


def stale_q(cutoff: dt.datetime) -> Q:
    """Sites whose database row says they are not live now: none, too old, or swept offline."""
    return Q(live__isnull=True) | Q(live__last_seen__lt=cutoff) | Q(live__state=LiveState.OFFLINE)


def read(sites: QuerySet[Site], now: float, store: LiveStore | None = None) -> Liveness:
    """The live store's word on the sites among `sites` the database calls not live.

    One query for those candidates, one store call for them (Redis: ZMSCORE, then the fresh
    ones' beats): in a day where the flusher keeps up the candidates are the silent sites and
    the store finds none of them fresh.
    """
    cutoff = cutoff_at(now)
    candidates = list(sites.filter(stale_q(cutoff)).order_by().values_list("pk", flat=True))
    if not candidates:
        return Liveness(cutoff)
    beats = (store or get_store()).fresh_among(candidates, cutoff.timestamp())
    online: list[int] = []
    degraded: list[int] = []
    for site_id, beat in beats.items():
        state = health.classify(beat).state
        (degraded if state == LiveState.DEGRADED else online).append(site_id)
    return Liveness(cutoff, beats, tuple(sorted(online)), tuple(sorted(degraded)))


class Among(Func):
    """`column IN ids` with the ids as ONE parameter (an array on PostgreSQL, a JSON list read
    by json_each on SQLite): tens of thousands of sites never meet a parameter limit, and the
    statement's text stays the same size."""

    output_field = BooleanField()

    def __init__(self, column: str, ids: Collection[int]) -> None:
        super().__init__(F(column))
        self.ids = [int(i) for i in ids]

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, self.ids]
        sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - a compiled column
        return sql, [*params, json.dumps(self.ids)]
