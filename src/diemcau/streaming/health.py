"""Relay health: is each relay answering, and can it still reach the origin?

Two probes per relay, both plain GETs a site's player would make anyway: the relay's own /health
location (nginx is up and listening), then — while a stream is live — the stream's master
playlist through the relay, signed for a pseudo-site, which fails when the relay has lost its
origin. The result is kept on the Relay row; `services.relay_order` moves a relay found down to
the end of every site's list. `check_relays()` is what `diemcau stream check-relays` and any
scheduler call.
"""

import http.client
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.streaming import conf, signing
from diemcau.streaming.models import Relay, RelayHealth, Stream, StreamState

PROBE_SITE = "_health"  # not a site code (those never start with "_"): never revoked
TIMEOUT_S = 3.0
PARALLEL = 16  # 34 provincial relays: three rounds of TIMEOUT_S at worst


@dataclass(frozen=True)
class RelayCheck:
    code: str
    up: bool
    error: str
    elapsed_ms: int
    checked_at: datetime


Prober = Callable[[str, float], tuple[int, str]]


def http_status(url: str, timeout: float) -> tuple[int, str]:
    """(status, "") or (0, why) when nothing came back: the reason goes to the organisers."""
    parts = urlsplit(url)
    conn_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_class(parts.netloc, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/")
        reply = conn.getresponse()
        reply.read()
        return reply.status, ""
    except TimeoutError:
        return 0, _("no answer in %(s)s s") % {"s": f"{timeout:g}"}
    except OSError as exc:
        return 0, exc.strerror or exc.__class__.__name__
    except http.client.HTTPException as exc:
        return 0, exc.__class__.__name__
    finally:
        conn.close()


def probe_path() -> str | None:
    """A signed master playlist of the live stream, or None while nothing is live."""
    stream = Stream.objects.filter(state=StreamState.LIVE).order_by("-updated_at", "-pk").first()
    if stream is None:
        return None
    expires = int(time.time()) + 300
    return signing.playback_path(conf.signing_secret(), expires, PROBE_SITE, stream.name, 1)


def probe_relay(
    base_url: str, playlist: str | None, timeout: float = TIMEOUT_S, get: Prober | None = None
) -> str:
    """ "" when the relay is fit to serve sites, otherwise what went wrong."""
    get = get or http_status
    base = base_url.rstrip("/")
    status, why = get(base + "/health", timeout)
    if status != 200:
        return _("health check: %(what)s") % {"what": why or f"HTTP {status}"}
    if playlist is not None:
        status, why = get(base + playlist, timeout)
        if status != 200:
            return _("stream playlist: %(what)s") % {"what": why or f"HTTP {status}"}
    return ""


def check_relays(
    timeout: float = TIMEOUT_S, get: Prober | None = None, codes: list[str] | None = None
) -> list[RelayCheck]:
    """Probe every enabled relay (in parallel) and store what was found on its row."""
    relays = Relay.objects.filter(enabled=True)
    if codes:
        relays = relays.filter(code__in=codes)
    targets = list(relays.values_list("pk", "code", "base_url"))
    playlist = probe_path()

    def one(target: tuple[int, str, str]) -> tuple[int, RelayCheck]:
        pk, code, base_url = target
        started = time.monotonic()
        error = probe_relay(base_url, playlist, timeout, get)
        elapsed = int((time.monotonic() - started) * 1000)
        return pk, RelayCheck(code, not error, error, elapsed, timezone.now())

    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(targets))) as pool:
        results = list(pool.map(one, targets))
    for pk, check in results:
        Relay.objects.filter(pk=pk).update(
            health=RelayHealth.UP if check.up else RelayHealth.DOWN,
            health_checked_at=check.checked_at,
            health_error=check.error[:255],
        )
    return [check for _pk, check in results]
