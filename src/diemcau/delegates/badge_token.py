"""What a QR badge carries, and how a scan is told genuine from forged.

A badge's QR code holds a web address, ``{DIEMCAU_PUBLIC_URL}/d/<code>.<mac>``, so that a
delegate's phone camera opens their own page (delegates/views_public.py sends it on to the
learner pages). `code` is the delegate code (codes.py), `mac` 16 Crockford base32 characters
(80 bits) of HMAC-SHA256(badge key, code ":" secret), where `secret` is the delegate's random
128-bit secret. The national ID is never in it.

The canonical form of the same pair is ``DC1:<code>:<mac>``, what badges printed before the
address carried: scanners and the check-in API take both (`parse`), the console sends the
canonical form, and the roster digest is computed over it.

Why an HMAC and not a public-key signature: the server checks up to 50,000 scans a second on two
cores. An HMAC costs about a microsecond; an Ed25519 verification ~60 µs, which alone would cap
the batch API near 30,000 scans a second. Offline, the site console does not need the key: it
downloads its site's roster with one `badge_digest` per delegate (a hash of the payload) and
recognises its own delegates' badges by that digest; a badge from another site is queued and
decided by the server when the network returns.

Revoking a badge (lost, reprinted) gives the delegate a new secret: the old payload no longer
matches and is rejected as ``revoked_or_forged``. The key is derived from DIEMCAU_BADGE_KEY, else
from the PII key (pii.py), else from SECRET_KEY; set one of the first two in production so that a
SECRET_KEY rotation does not void every printed badge.
"""

import hashlib
import hmac
import os
import re
from base64 import b32encode
from functools import lru_cache

from django.conf import settings

from diemcau.delegates.codes import normalise

PREFIX = "DC1"
MAC_CHARS = 16
PATH = "/d/"  # the badge's address: PATH + "<code>.<mac>" (mounted in the project's urls)
_IN_ADDRESS = re.compile(r"(?:^|/D/)([0-9A-Z]{8})\.([0-9A-Z]{16})/?$")  # upper-cased scan
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_CROCKFORD = str.maketrans(_BASE32, "0123456789ABCDEFGHJKMNPQRSTVWXYZ")


@lru_cache(maxsize=1)
def _key() -> bytes:
    base = (
        os.environ.get("DIEMCAU_BADGE_KEY", "").strip()
        or os.environ.get("DIEMCAU_PII_KEY", "").strip()
        or settings.SECRET_KEY
    )
    return hmac.digest(base.encode(), b"diemcau.delegates.badge.v1", "sha256")


def mac_for(code: str, secret: str) -> str:
    digest = hmac.digest(_key(), f"{code}:{secret}".encode(), "sha256")
    return b32encode(digest[:10]).decode().translate(_TO_CROCKFORD)


def payload_for(code: str, secret: str) -> str:
    """The canonical scan text (``DC1:<code>:<mac>``): what the console sends and the roster
    digest covers."""
    return f"{PREFIX}:{code}:{mac_for(code, secret)}"


def link_token(code: str, secret: str) -> str:
    """``<code>.<mac>``: the last part of the badge's address."""
    return f"{code}.{mac_for(code, secret)}"


def badge_url(code: str, secret: str, base: str) -> str:
    """What the QR code holds: `base` (publicurl.base()) + ``/d/<code>.<mac>``."""
    return f"{base.rstrip('/')}{PATH}{link_token(code, secret)}"


def badge_digest(code: str, secret: str) -> str:
    """What the site console keeps per delegate to recognise a badge offline (not the MAC)."""
    return hashlib.sha256(payload_for(code, secret).encode()).hexdigest()[:20]


def parse(text: str) -> tuple[str, str | None] | None:
    """A scan → (code, mac), or (code, None) for a typed code; None when it is neither.

    Takes the badge's address (any host: the MAC, not the address, makes a badge genuine), its
    last part ``<code>.<mac>`` alone, and the older ``DC1:<code>:<mac>``. Scanners on a
    Vietnamese keyboard layout sometimes send lower case; a typed code may carry spaces or dashes
    (codes.normalise).
    """
    raw = text.strip()
    upper = raw.upper()
    parts = upper.split(":")
    if len(parts) == 3 and parts[0] == PREFIX:
        code = normalise(parts[1])
        if code is None or len(parts[2]) != MAC_CHARS:
            return None
        return code, parts[2]
    if "." in upper:
        match = _IN_ADDRESS.search(upper)
        found = normalise(match.group(1)) if match else None
        return (found, match.group(2)) if match and found else None
    code = normalise(raw)
    return (code, None) if code else None


def verify(code: str, secret: str, mac: str) -> bool:
    return hmac.compare_digest(mac_for(code, secret), mac)
