"""Bench-only WSGI app: diemcau with a naive heartbeat service (one row per request).

The baseline bench_heartbeats.py compares against: each heartbeat inserts its history row and
updates (or creates) the site's live row at once, as a first implementation would.
"""

import datetime as dt
import os
from collections.abc import Sequence

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
application = get_wsgi_application()  # sets Django up before the models below are imported

from diemcau.accounts.scopes import Scope  # noqa: E402
from diemcau.operations import health, services  # noqa: E402
from diemcau.operations.livestate import Beat, LiveStore  # noqa: E402
from diemcau.operations.models import HeartbeatSample, SiteLive  # noqa: E402

__all__ = ["application"]


def naive_record(
    scope: Scope, items: Sequence[services.HeartbeatIn], store: LiveStore | None = None
) -> int:
    ids = services.site_cache.resolve([i.site for i in items])
    now = dt.datetime.now(tz=dt.UTC)
    for i in items:
        beat = Beat(
            ids[i.site],
            now.timestamp(),
            i.session,
            i.playing,
            i.buffer_s,
            i.bitrate_kbps,
            i.dropped_frames,
            i.latency_ms,
            i.queued,
            i.version,
        )
        metrics = {
            "session": i.session,
            "playing": i.playing,
            "buffer_s": i.buffer_s,
            "bitrate_kbps": i.bitrate_kbps,
            "dropped_frames": i.dropped_frames,
            "latency_ms": i.latency_ms,
            "queued": i.queued,
            "version": i.version,
        }
        HeartbeatSample.objects.create(site_id=beat.site_id, received_at=now, **metrics)
        verdict = health.classify(beat)
        SiteLive.objects.update_or_create(
            site_id=beat.site_id,
            defaults={
                "last_seen": now,
                "state": verdict.state,
                "score": verdict.score,
                "since": now,
                **metrics,
            },
        )
    return len(items)


services.record_heartbeats = naive_record
