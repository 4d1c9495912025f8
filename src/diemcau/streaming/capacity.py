"""Will the relays hold? Egress per relay and at the origin for the registered sites.

Each site is counted on its first relay (its province's, or the one relay_order would pick); a
relay pulls each rendition once from the origin whatever its audience, which is the point of the
cache. Sites with no relay at all play from the origin.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Invalid
from diemcau.sites.models import Site, SiteStatus
from diemcau.streaming import services
from diemcau.streaming.ffmpeg import Rendition
from diemcau.streaming.models import Stream


@dataclass
class RelayLoad:
    code: str
    sites: int
    egress_mbps: float
    capacity_mbps: int
    overloaded: bool


@dataclass
class CapacityView:
    stream: str
    rendition: str
    rendition_kbps: int
    sites: int
    relays: list[RelayLoad]
    direct_sites: int
    origin_egress_mbps: float
    warnings: list[str] = field(default_factory=list)


def capacity(
    scope: Scope, stream_name: str | None = None, rendition: str | None = None
) -> CapacityView:
    services.require_central(scope)
    stream: Stream = services.current_stream(stream_name)
    ladder = [Rendition.from_json(r) for r in stream.renditions]
    if not ladder:
        raise Invalid(_("The stream has no renditions."))
    chosen = (
        ladder[0] if rendition is None else next((r for r in ladder if r.name == rendition), None)
    )
    if chosen is None:
        raise Invalid(
            _("Unknown rendition “%(name)s”.") % {"name": rendition}, {"rendition": rendition or ""}
        )
    relays = services.enabled_relays()
    by_province: dict[int, list[int]] = {}
    for index, relay in enumerate(relays):
        for province in relay.provinces.all():
            by_province.setdefault(province.pk, []).append(index)
    counts = [0] * len(relays)
    direct = total = 0
    rows = Site.objects.exclude(status=SiteStatus.WITHDRAWN).values_list("pk", "province_id")
    for pk, province_id in rows.iterator(chunk_size=5000):
        total += 1
        own = by_province.get(province_id) if province_id else None
        if own:
            counts[own[0]] += 1
        elif relays:
            # The first of the rotated "other relays" (services.relay_order for unserved sites).
            counts[pk % len(relays)] += 1
        else:
            direct += 1
    kbps = chosen.total_kbps
    ladder_kbps = sum(r.total_kbps for r in ladder)
    loads = []
    warnings = []
    for relay, n in zip(relays, counts, strict=True):
        egress = n * kbps / 1000
        over = egress > relay.capacity_mbps
        loads.append(RelayLoad(relay.code, n, round(egress, 1), relay.capacity_mbps, over))
        if over:
            warnings.append(
                _("Relay %(code)s needs %(need).0f Mbit/s for %(sites)d sites; capacity %(cap)d.")
                % {"code": relay.code, "need": egress, "sites": n, "cap": relay.capacity_mbps}
            )
    origin = (sum(1 for n in counts if n) * ladder_kbps + direct * kbps) / 1000
    return CapacityView(
        stream=stream.name,
        rendition=chosen.name,
        rendition_kbps=kbps,
        sites=total,
        relays=loads,
        direct_sites=direct,
        origin_egress_mbps=round(origin, 1),
        warnings=warnings,
    )
