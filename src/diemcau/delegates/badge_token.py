"""What a QR badge carries, and how a scan is told genuine from forged.

Payload: ``DC1:<code>:<mac>`` — upper-case letters, digits and colons only, so the QR code uses
its compact alphanumeric mode (a version-2 symbol, readable by any cheap USB scanner). `code` is
the delegate code (codes.py), `mac` 16 Crockford base32 characters (80 bits) of
HMAC-SHA256(badge key, code ":" secret), where `secret` is the delegate's random 128-bit secret.
The national ID is never in it.

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
from base64 import b32encode
from functools import lru_cache

from django.conf import settings

from diemcau.delegates.codes import normalise

PREFIX = "DC1"
MAC_CHARS = 16
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
    """The text to put in the delegate's QR code."""
    return f"{PREFIX}:{code}:{mac_for(code, secret)}"


def badge_digest(code: str, secret: str) -> str:
    """What the site console keeps per delegate to recognise a badge offline (not the MAC)."""
    return hashlib.sha256(payload_for(code, secret).encode()).hexdigest()[:20]


def parse(text: str) -> tuple[str, str | None] | None:
    """A scan → (code, mac), or (code, None) for a typed code; None when it is neither.

    Scanners on a Vietnamese keyboard layout sometimes send lower case; a typed code may carry
    spaces or dashes (codes.normalise).
    """
    raw = text.strip()
    parts = raw.upper().split(":")
    if len(parts) == 3 and parts[0] == PREFIX:
        code = normalise(parts[1])
        if code is None or len(parts[2]) != MAC_CHARS:
            return None
        return code, parts[2]
    code = normalise(raw)
    return (code, None) if code else None


def verify(code: str, secret: str, mac: str) -> bool:
    return hmac.compare_digest(mac_for(code, secret), mac)
