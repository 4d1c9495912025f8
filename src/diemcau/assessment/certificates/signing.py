"""Certificate codes signed with Ed25519, so anyone holding the public key can check one offline.

A code reads ``GCN1-<certificate id>-<delegate code>-<conference id>-<YYYYMMDD>-<signature>``:
upper-case letters, digits and dashes only (a QR code's compact alphanumeric mode), the signature
being the 64 Ed25519 bytes in Crockford base32 over the UTF-8 text before the last dash. The
server looks the id up only to learn whether the certificate was revoked; validity of the text
itself needs nothing but the public key.

Why Ed25519 and not the HMAC of the badges: a certificate is checked by outsiders (an employer,
an inspection), who must not hold a key that could also mint certificates.

The private key comes from DIEMCAU_CERT_KEY (64 hex characters, the raw 32-byte seed) or is
generated once into the data folder; rotating it voids every code printed before.
"""

import datetime as dt
import os
from base64 import b32decode, b32encode
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

PREFIX = "GCN1"
_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_CROCKFORD = str.maketrans(_STD, _CROCKFORD)
_FROM_CROCKFORD = str.maketrans(_CROCKFORD, _STD)
KEY_FILE = "certificate-ed25519.key"


@dataclass(frozen=True)
class CodeFields:
    certificate_id: int
    delegate_code: str
    conference_id: int
    issued_on: dt.date


@lru_cache(maxsize=1)
def private_key() -> Ed25519PrivateKey:
    seed_hex = os.environ.get("DIEMCAU_CERT_KEY", "").strip()
    if not seed_hex:
        path = settings.DATA_DIR / KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(os.urandom(32).hex())
        seed_hex = path.read_text().strip()
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))


def public_key_pem() -> str:
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_key_raw_hex() -> str:
    raw = (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return raw.hex()


def _message(fields: CodeFields) -> str:
    return (
        f"{PREFIX}-{fields.certificate_id}-{fields.delegate_code}-{fields.conference_id}-"
        f"{fields.issued_on:%Y%m%d}"
    )


def _b32(data: bytes) -> str:
    return b32encode(data).decode().rstrip("=").translate(_TO_CROCKFORD)


def _unb32(text: str) -> bytes:
    std = text.translate(_FROM_CROCKFORD)
    return b32decode(std + "=" * (-len(std) % 8))


def make_code(fields: CodeFields) -> str:
    message = _message(fields)
    return f"{message}-{_b32(private_key().sign(message.encode()))}"


def parse_code(code: str) -> CodeFields | None:
    """The fields a code claims (not yet verified), or None when it is not a code at all."""
    parts = code.strip().upper().split("-")
    if len(parts) != 6 or parts[0] != PREFIX:
        return None
    try:
        return CodeFields(
            certificate_id=int(parts[1]),
            delegate_code=parts[2],
            conference_id=int(parts[3]),
            issued_on=dt.datetime.strptime(parts[4], "%Y%m%d").date(),
        )
    except ValueError:
        return None


def verify_code(code: str, public_key: Ed25519PublicKey | None = None) -> CodeFields | None:
    """The fields of a genuine code, or None. With only `public_key` this runs offline."""
    fields = parse_code(code)
    if fields is None:
        return None
    message, _, signature = code.strip().upper().rpartition("-")
    if message != _message(fields):  # e.g. "007" for "7": one text per certificate
        return None
    try:
        raw = _unb32(signature)
    except ValueError:
        return None
    if _b32(raw) != signature:  # unused low bits of the last character: one text per signature
        return None
    key = public_key or private_key().public_key()
    try:
        key.verify(raw, message.encode())
    except InvalidSignature:
        return None
    return fields


def load_public_key(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key
