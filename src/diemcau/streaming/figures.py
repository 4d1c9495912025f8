"""Relay load for the reports: the capacity view, with each relay's last known health.

Read-only. Relays are national infrastructure, so this is for central callers only
(`capacity` refuses the others with Forbidden); without a live stream there is no load to show
(NotFound from `current_stream`).
"""

from dataclasses import dataclass

from diemcau.accounts.scopes import Scope
from diemcau.streaming.capacity import capacity
from diemcau.streaming.models import Relay, RelayHealth


@dataclass(frozen=True)
class RelayRow:
    code: str
    name: str
    sites: int
    egress_mbps: float
    capacity_mbps: int
    used_percent: float
    health: str  # RelayHealth value
    health_label: str


@dataclass(frozen=True)
class RelayLoad:
    stream: str
    rendition: str
    relays: list[RelayRow]
    direct_sites: int
    origin_egress_mbps: float


def relay_load(scope: Scope) -> RelayLoad:
    view = capacity(scope)
    known = {
        code: (name, health)
        for code, name, health in Relay.objects.filter(
            code__in=[r.code for r in view.relays]
        ).values_list("code", "name", "health")
    }
    labels = dict(RelayHealth.choices)
    rows = []
    for load in view.relays:
        name, health = known.get(load.code, ("", RelayHealth.UNKNOWN.value))
        used = round(100 * load.egress_mbps / load.capacity_mbps, 1) if load.capacity_mbps else 0.0
        rows.append(
            RelayRow(
                code=load.code,
                name=name or load.code,
                sites=load.sites,
                egress_mbps=load.egress_mbps,
                capacity_mbps=load.capacity_mbps,
                used_percent=used,
                health=health,
                health_label=str(labels.get(health, health)),
            )
        )
    return RelayLoad(
        stream=view.stream,
        rendition=view.rendition,
        relays=rows,
        direct_sites=view.direct_sites,
        origin_egress_mbps=view.origin_egress_mbps,
    )
