"""Will the relays hold? Egress per relay and at the origin for the registered sites.

Each site is counted on its first relay (its province's, or the one relay_order would pick); a
relay pulls each rendition once from the origin whatever its audience, which is the point of the
cache. Sites with no relay at all play from the origin.

Catch-up viewers (delegates watching a recording on their own page, or a site that went back
in the DVR window) play through their site's relays too: they add to a relay's egress in
proportion to its sites, but little at the origin, which sends each recording's segment once per
relay (bench_recordings.py: 4 origin requests per segment for 1,000 viewers behind 4 relays).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Invalid
from diemcau.sites.models import Site, SiteStatus
from diemcau.streaming import services
from diemcau.streaming.ffmpeg import Rendition
from diemcau.streaming.models import Recording, Stream


@dataclass
class RelayLoad:
    code: str
    sites: int
    egress_mbps: float  # live and catch-up
    capacity_mbps: int
    overloaded: bool
    catchup_viewers: int = 0
    catchup_mbps: float = 0.0


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
    catchup_viewers: int = 0
    catchup_rendition: str = ""
    catchup_kbps: int = 0
    recordings_in_play: int = 0
    catchup_egress_mbps: float = 0.0
    origin_catchup_mbps: float = 0.0


def _rung(ladder: list[Rendition], name: str | None, default: Rendition) -> Rendition:
    chosen = default if name is None else next((r for r in ladder if r.name == name), None)
    if chosen is None:
        raise Invalid(
            _("Unknown rendition “%(name)s”.") % {"name": name}, {"rendition": name or ""}
        )
    return chosen


def capacity(
    scope: Scope,
    stream_name: str | None = None,
    rendition: str | None = None,
    *,
    catchup_viewers: int = 0,
    catchup_rendition: str | None = None,
    recordings_in_play: int | None = None,
) -> CapacityView:
    services.require_central(scope)
    stream: Stream = services.current_stream(stream_name)
    ladder = [Rendition.from_json(r) for r in stream.renditions]
    if not ladder:
        raise Invalid(_("The stream has no renditions."))
    chosen = _rung(ladder, rendition, ladder[0])
    middle = next((r for r in ladder if r.name == "480p"), ladder[len(ladder) // 2])
    catchup = _rung(ladder, catchup_rendition, middle)
    if recordings_in_play is None:
        recordings_in_play = max(1, Recording.objects.count()) if catchup_viewers else 0
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
    # Catch-up viewers are delegates of the sites: each relay gets its sites' share of them.
    shares = _shares(catchup_viewers, counts, total) if relays else []
    for relay, n, viewers in zip(relays, counts, shares or [0] * len(relays), strict=True):
        catchup_mbps = viewers * catchup.total_kbps / 1000
        egress = n * kbps / 1000 + catchup_mbps
        over = egress > relay.capacity_mbps
        loads.append(
            RelayLoad(
                relay.code,
                n,
                round(egress, 1),
                relay.capacity_mbps,
                over,
                viewers,
                round(catchup_mbps, 1),
            )
        )
        if over:
            warnings.append(
                _("Relay %(code)s needs %(need).0f Mbit/s for %(sites)d sites; capacity %(cap)d.")
                % {"code": relay.code, "need": egress, "sites": n, "cap": relay.capacity_mbps}
            )
    origin = (sum(1 for n in counts if n) * ladder_kbps + direct * kbps) / 1000
    # Each relay with catch-up viewers pulls each recording in play at most once (the cache and
    # its lock); viewers of sites without a relay pull from the origin themselves.
    direct_catchup = catchup_viewers - sum(shares) if relays else catchup_viewers
    serving = sum(1 for v in shares if v)
    origin_catchup = (
        serving * recordings_in_play * catchup.total_kbps + direct_catchup * catchup.total_kbps
    ) / 1000
    return CapacityView(
        stream=stream.name,
        rendition=chosen.name,
        rendition_kbps=kbps,
        sites=total,
        relays=loads,
        direct_sites=direct,
        origin_egress_mbps=round(origin + origin_catchup, 1),
        warnings=warnings,
        catchup_viewers=catchup_viewers,
        catchup_rendition=catchup.name,
        catchup_kbps=catchup.total_kbps,
        recordings_in_play=recordings_in_play,
        catchup_egress_mbps=round(catchup_viewers * catchup.total_kbps / 1000, 1),
        origin_catchup_mbps=round(origin_catchup, 1),
    )


def _shares(viewers: int, counts: list[int], total: int) -> list[int]:
    """`viewers` spread over the relays in proportion to their sites (largest remainders)."""
    served = sum(counts)
    if not viewers or not served:
        return [0] * len(counts)
    on_relays = round(viewers * served / total) if total else 0
    exact = [on_relays * n / served for n in counts]
    shares = [int(x) for x in exact]
    left = on_relays - sum(shares)
    for i in sorted(range(len(counts)), key=lambda i: exact[i] - shares[i], reverse=True)[:left]:
        shares[i] += 1
    return shares
