"""Playback URLs in the form nginx's secure_link module checks.

    /live/<token>/<expires>/<site>/<stream>/master.m3u8

The token is md5("<expires>/<site>/<stream>/<key version> <secret>") in URL-safe base64. It
covers the stream's path prefix, so the master playlist, the rendition playlists and every
segment (relative URIs) are fetched with the same token: hls.js needs no query-string plumbing.
It is not bound to the client address, since sites sit behind NAT. The key version is not in the
URL: nginx takes it from its own map of revoked sites, so bumping a site's version makes its old
URLs fail the check.
"""

import base64
import hashlib
from urllib.parse import quote

PREFIX = "/live"
MASTER = "master.m3u8"


def token(secret: str, expires: int, site: str, stream: str, version: int) -> str:
    message = f"{expires}/{site}/{stream}/{version} {secret}".encode()
    digest = hashlib.md5(message, usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def playback_path(
    secret: str, expires: int, site: str, stream: str, version: int, *, file: str = MASTER
) -> str:
    st = token(secret, expires, site, stream, version)
    return f"{PREFIX}/{st}/{expires}/{quote(site, safe='')}/{stream}/{file}"
