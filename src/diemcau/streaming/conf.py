"""Streaming settings from the environment, with embedded defaults for one machine.

The signing secret must be the same in the Django server (which signs) and in every nginx config
(which checks); without DIEMCAU_STREAM_SECRET it is derived from the Django secret key, so a
config written on the same server matches.
"""

import hashlib
import hmac
import os
from pathlib import Path

from django.conf import settings

DEFAULT_TTL_S = 6 * 3600  # one conference half-day; a revoked site is cut by its key version
DEFAULT_DVR_S = 2 * 3600  # how far back a site that reconnects can rewind
# Live segments stay on the origin this long: longer than the longest session, so that the
# recording made when a session ends still finds its first segment.
DEFAULT_KEEP_S = 12 * 3600
DEFAULT_RECORDING_DAYS = 90


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


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def dvr_window_s() -> int:
    return _int("DIEMCAU_STREAM_DVR_S", DEFAULT_DVR_S)


def keep_segments_s() -> int:
    return max(_int("DIEMCAU_STREAM_KEEP_S", DEFAULT_KEEP_S), dvr_window_s())


def recording_keep_days() -> int:
    return _int("DIEMCAU_RECORDING_DAYS", DEFAULT_RECORDING_DAYS)


def hls_root() -> Path:
    """The folder the ingest writes and the origin serves (recordings are made inside it)."""
    explicit = os.environ.get("DIEMCAU_STREAM_HLS_ROOT")
    return Path(explicit) if explicit else Path(settings.DATA_DIR) / "hls"
