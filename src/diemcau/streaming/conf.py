"""Streaming settings from the environment, with embedded defaults for one machine.

The signing secret must be the same in the Django server (which signs) and in every nginx config
(which checks); without DIEMCAU_STREAM_SECRET it is derived from the Django secret key, so a
config written on the same server matches.
"""

import hashlib
import hmac
import os

from django.conf import settings

DEFAULT_TTL_S = 6 * 3600  # one conference half-day; a revoked site is cut by its key version


def origin_url() -> str:
    return os.environ.get("DIEMCAU_STREAM_ORIGIN_URL", "http://127.0.0.1:8090").rstrip("/")


def url_ttl_s() -> int:
    return int(os.environ.get("DIEMCAU_STREAM_URL_TTL", str(DEFAULT_TTL_S)))


def signing_secret() -> str:
    explicit = os.environ.get("DIEMCAU_STREAM_SECRET")
    if explicit:
        return explicit
    key = str(settings.SECRET_KEY).encode()
    return hmac.new(key, b"diemcau.streaming.secure_link", hashlib.sha256).hexdigest()
