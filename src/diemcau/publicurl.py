"""The address printed on paper: badges' QR codes, learner links, site links, certificates.

A printed QR code outlives the request that made it, and a phone in a commune hall cannot open
``127.0.0.1``. So every printed link starts from DIEMCAU_PUBLIC_URL (the address people reach the
server at, e.g. ``https://hoinghi.example.gov.vn``). When it is unset, the address the request
came in on is the best guess (it is what the organiser's own browser reached); with no request at
all (a command line, a background job given nothing) only ``http://127.0.0.1:8000`` is left.

In production mode (DIEMCAU_DEBUG off and DIEMCAU_DEMO off) an unset address is a mistake that
reaches paper: a system check warns at start-up (``diemcau manage check``, ``migrate``) and the
pages that print say so (``warning()``).
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.http import HttpRequest

FALLBACK = "http://127.0.0.1:8000"
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "testserver"}  # noqa: S104 - names only


def configured() -> str:
    """DIEMCAU_PUBLIC_URL without its trailing slash; "" when unset."""
    return str(getattr(settings, "DIEMCAU_PUBLIC_URL", "") or "").strip().rstrip("/")


def production() -> bool:
    return not settings.DEBUG and not getattr(settings, "DIEMCAU_DEMO", True)


def base(request: HttpRequest | None = None) -> str:
    """Scheme and host (and path prefix) that printed links start with, without a final slash."""
    if url := configured():
        return url
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return FALLBACK


def public_url(path: str, request: HttpRequest | None = None) -> str:
    """`path` ("/d/…", "/hoc-vien/…/") as a full address a phone can open from paper."""
    return base(request) + "/" + path.lstrip("/")


def is_loopback(url: str) -> bool:
    """An address only the server itself can open (what a printed QR must never hold)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in _LOOPBACK or host.startswith("127.")


def warning(request: HttpRequest | None = None) -> str:
    """What a page that prints tells its user when printed links would not work; "" if fine."""
    return warning_for(base(request))


def warning_for(url: str) -> str:
    """The same for links already made from `url` (a background job keeps the address it used).

    In production mode an unset address is always worth a word (the request's host may be an
    internal name); in any mode a loopback address is, since no phone can open it.
    """
    from diemcau.delegates import addresses  # the words, in an app's catalogue

    if production() and not configured():
        return addresses.unset(url)
    if is_loopback(url):
        return addresses.loopback(url)
    return ""


def check_public_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Registered by the delegates app: a production server must know its public address."""
    if production() and not configured():
        return [
            checks.Warning(
                "DIEMCAU_PUBLIC_URL is not set in production mode (DIEMCAU_DEMO off): badges, "
                "learner links and certificates would print the address of whichever request "
                f"made them, or {FALLBACK}.",
                hint="Set DIEMCAU_PUBLIC_URL=https://<the address delegates' phones reach>.",
                id="diemcau.W001",
            )
        ]
    return []
