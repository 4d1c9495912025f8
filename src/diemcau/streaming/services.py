"""Who plays what from where: relay order per site, signed playback URLs, revocation, streams.

A site tries its own province's relay first, then another relay, then the origin. The "another
relay" is picked by the site's id so that when one relay dies its sites spread over the others
instead of all falling on the same neighbour. A relay the last health check found down goes to
the end of the relays (still before the origin: the check may be older than its repair), and a
down "other" relay is replaced by the next healthy one.
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Case, F, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.audit.services import record_event
from diemcau.errors import Forbidden, NotFound
from diemcau.sites import services as sites
from diemcau.sites.models import Site
from diemcau.streaming import conf, signing
from diemcau.streaming.dvr import DVR
from diemcau.streaming.ffmpeg import SEGMENT_S
from diemcau.streaming.models import Relay, RelayHealth, SiteKey, Stream, StreamState

OTHER_RELAYS = 2  # fallbacks before the origin; more only adds URLs a player never reaches


@dataclass(frozen=True)
class Playback:
    """Signed URLs in failover order; for a live stream also its DVR playlists and live edge.

    `stream` is the path component the URLs carry: a stream's or a recording's name.
    """

    urls: list[str]
    expires_at: datetime
    stream: str
    kind: str = "live"  # or "recording"
    dvr_urls: list[str] = field(default_factory=list)  # same order as urls; [] for a recording
    dvr_window_s: int = 0
    segment_s: int = SEGMENT_S
    live_edge_at: datetime | None = None  # end of the newest segment, as the ingest reported it
    recording: int | None = None
    duration_s: float | None = None

    @property
    def expires_in_s(self) -> int:
        """For the player, whose clock may be hours off at a commune site."""
        return max(0, int(self.expires_at.timestamp() - time.time()))

    @property
    def server_time(self) -> datetime:
        return timezone.now()


def enabled_relays() -> list[Relay]:
    return list(Relay.objects.filter(enabled=True).prefetch_related("provinces"))


def relay_order(site: Site, relays: list[Relay] | None = None) -> list[Relay]:
    """Relays for `site` in failover order (the origin, always last, is not a Relay)."""
    pool = enabled_relays() if relays is None else relays
    own = [r for r in pool if any(p.pk == site.province_id for p in r.provinces.all())]
    others = [r for r in pool if r not in own]
    if others:
        start = site.pk % len(others)
        others = others[start:] + others[:start]
    healthy_others = [r for r in others if r.health != RelayHealth.DOWN]
    down_others = [r for r in others if r.health == RelayHealth.DOWN]
    chosen_others = (healthy_others + down_others)[:OTHER_RELAYS]
    ordered = own + chosen_others
    return [r for r in ordered if r.health != RelayHealth.DOWN] + [
        r for r in ordered if r.health == RelayHealth.DOWN
    ]


def key_version(site: Site) -> int:
    key = SiteKey.objects.filter(site=site).values_list("version", flat=True).first()
    return key or 1


def current_stream(name: str | None = None) -> Stream:
    qs = Stream.objects.all()
    if name:
        stream = qs.filter(name=name).first()
    else:
        stream = qs.exclude(state=StreamState.STOPPED).order_by("-updated_at", "-pk").first()
    if stream is None:
        raise NotFound(_("No live stream."))
    return stream


def signed_urls(site: Site, name: str, files: list[str]) -> tuple[list[list[str]], datetime]:
    """For each file of stream (or recording) `name`: its URLs for `site`, relays first, the
    origin last; one token covers the name's whole folder."""
    expires = int(time.time()) + conf.url_ttl_s()
    secret, version = conf.signing_secret(), key_version(site)
    bases = [r.base_url.rstrip("/") for r in relay_order(site)] + [conf.origin_url()]
    out = []
    for file in files:
        path = signing.playback_path(secret, expires, site.code, name, version, file=file)
        out.append([base + path for base in bases])
    return out, datetime.fromtimestamp(expires, tz=UTC)


def playback(scope: Scope, site_code: str, stream_name: str | None = None) -> Playback:
    """Signed URLs for one site, relays first, the origin last; one token covers them all.

    With them the DVR playlists (dvr.m3u8, the last `dvr_window_s` seconds) a player loads to
    go back to where its link dropped, and the live edge the ingest last reported.
    """
    site = sites.get_site(scope, site_code)
    stream = current_stream(stream_name)
    (urls, dvr_urls), expires_at = signed_urls(site, stream.name, [signing.MASTER, DVR])
    window = conf.dvr_window_s()
    return Playback(
        urls=urls,
        expires_at=expires_at,
        stream=stream.name,
        dvr_urls=dvr_urls if window > 0 else [],
        dvr_window_s=window,
        live_edge_at=stream.last_segment_at,
    )


def revoke_site(scope: Scope, site_code: str) -> int:
    """Invalidate every URL issued to the site; the nginx configs must be rewritten to apply it."""
    site = sites.get_site_for_write(scope, site_code)
    with transaction.atomic():
        key, created = SiteKey.objects.get_or_create(site=site, defaults={"version": 2})
        if not created:
            SiteKey.objects.filter(pk=key.pk).update(version=F("version") + 1)
        SiteKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
        key.refresh_from_db()
        # The bumps are row updates (no model signal): one entry says who cut the site off.
        record_event(
            "revoke_playback",
            "playback_key",
            unit=site.unit_id,
            counts={"version": key.version},
            detail=site.code,
        )
    return key.version


def key_versions() -> dict[str, int]:
    """Site code → key version, for the sites nginx must not treat as version 1."""
    return dict(
        SiteKey.objects.filter(version__gt=1).values_list("site__code", "version").order_by("pk")
    )


def require_central(scope: Scope) -> None:
    if not (scope.everything or scope.reads_everything):
        raise Forbidden(_("Only central organisers see the streams."))


def streams(scope: Scope) -> QuerySet[Stream]:
    require_central(scope)
    return Stream.objects.all()


def record_state(
    name: str,
    state: str,
    restarts: int,
    last_segment_at: datetime | None,
    detail: str = "",
) -> None:
    """The ingest supervisor's report; a stream not registered in the database is ignored."""
    now = timezone.now()
    Stream.objects.filter(name=name).update(
        state_since=Case(
            When(state=state, state_since__isnull=False, then=F("state_since")), default=now
        ),
        state=state,
        restarts=restarts,
        last_segment_at=last_segment_at,
        state_detail=detail[:255],
        updated_at=now,
    )


def require_organiser(scope: Scope) -> None:
    if not (scope.is_organiser or scope.reads_everything):
        raise Forbidden(_("Only organisers see the state of the video network."))


def network_state(scope: Scope) -> tuple[list[Stream], list[Relay]]:
    """What the operations dashboard shows: every stream not long stopped, every relay.

    Relays are shared infrastructure (a province's sites fail over to other provinces' relays),
    so a province organiser sees them all, like the streams; only their addresses are left out.
    """
    require_organiser(scope)
    return list(Stream.objects.order_by("name")), list(Relay.objects.order_by("code"))
