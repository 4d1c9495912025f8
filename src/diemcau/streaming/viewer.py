"""A simulated HLS viewer: what a site's player does, minus the decoding.

It tries the site's URLs in order (relay, other relay, origin), reads the master playlist, picks a
rendition, reads its playlist and fetches segments — every request carrying the same token in
the path, as hls.js does with relative URIs. Tests and the bench use it to drive real nginx.
"""

import http.client
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

TIMEOUT_S = 5.0


@dataclass
class Response:
    status: int
    body: bytes


def get(url: str, timeout: float = TIMEOUT_S) -> Response:
    """One GET; a refused or broken connection is status 0, which the viewer treats as down."""
    parts = urlsplit(url)
    conn_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_class(parts.netloc, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", path)
        reply = conn.getresponse()
        return Response(reply.status, reply.read())
    except OSError:
        return Response(0, b"")
    finally:
        conn.close()


def playlist_uris(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@dataclass
class Watch:
    served_by: str | None = None  # the URL that answered the master playlist
    failovers: int = 0
    statuses: list[int] = field(default_factory=list)
    segments: int = 0
    bytes: int = 0
    first_segment_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.served_by is not None and self.segments > 0


def watch(
    urls: list[str], segments: int = 2, rendition: int = 0, timeout: float = TIMEOUT_S
) -> Watch:
    """Play from the first URL that answers; fetch up to `segments` of the live window."""
    result = Watch()
    started = time.monotonic()
    master_url = ""
    master = Response(0, b"")
    for url in urls:
        master = get(url, timeout)
        result.statuses.append(master.status)
        if master.status == 200:
            master_url = url
            break
        result.failovers += 1
    if not master_url:
        return result
    result.served_by = master_url
    variants = playlist_uris(master.body.decode(errors="replace"))
    if not variants:
        return result
    media_url = urljoin(master_url, variants[min(rendition, len(variants) - 1)])
    media = get(media_url, timeout)
    result.statuses.append(media.status)
    if media.status != 200:
        return result
    for uri in playlist_uris(media.body.decode(errors="replace"))[-segments:]:
        segment = get(urljoin(media_url, uri), timeout)
        result.statuses.append(segment.status)
        if segment.status == 200:
            result.segments += 1
            result.bytes += len(segment.body)
            if result.first_segment_s is None:
                result.first_segment_s = time.monotonic() - started
    return result
