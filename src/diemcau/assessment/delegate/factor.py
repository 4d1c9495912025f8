"""The second factor behind a delegate's link or badge QR: something the delegate knows.

A badge is worn in plain sight and photographed at every conference, and a personal link is
forwarded in chat groups: either alone opened the delegate's quiz, learning report and
certificate. So a link or badge now only *names* the delegate; before their pages open, the
browser must show a *pass*, won by typing the last four digits of the delegate's CCCD: known to
the delegate, not printed on the badge or in the link (the CCCD is kept only as a keyed hash and
its last four digits, see delegates/models.py; the model has no birth date).

The pass is a cookie signed with the server's key (an HMAC, see below): the delegate's code, a
digest of their badge secret and an expiry, ``DIEMCAU_DELEGATE_PASS_HOURS`` (12: one conference
day, gone by the next morning). Signed rather than a session row so that the quiz submission
fast path in front of Django (delegate.api.wrap_submit) can check it without a query; bound to
one delegate, so another delegate's link asks again; and void when the badge is revoked (new
secret), like the link itself.

Guessing four digits is 1 in 10,000, so wrong answers are counted in Django's cache (Redis in
production: the count holds across app servers) per delegate and per address: by default 5 per
delegate and 30 per address in 15 minutes. While either is spent, even the right answer is
refused, with the minutes to wait. A delegate with no CCCD on file (or whose personal data was
purged after the event) cannot pass this way: a signed-in operator or organiser whose scope
covers the delegate's site confirms them at the site (they already hand out these links and see
the last four digits on their roster, so this gives them nothing new).
"""

import hmac
import math
import time
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

from diemcau.accounts.scopes import Scope
from diemcau.assessment.links import secret_digest
from diemcau.delegates.models import Delegate
from diemcau.sites.models import Site

COOKIE = "diemcau_hv"
SALT = "diemcau.assessment.delegate-pass"
_KEY = "diemcau:hv-factor:"


def pass_hours() -> float:
    return float(getattr(settings, "DIEMCAU_DELEGATE_PASS_HOURS", 12))


def window_seconds() -> int:
    return int(getattr(settings, "DIEMCAU_DELEGATE_FACTOR_WINDOW_MINUTES", 15)) * 60


def delegate_limit() -> int:
    return int(getattr(settings, "DIEMCAU_DELEGATE_FACTOR_TRIES", 5))


def address_limit() -> int:
    return int(getattr(settings, "DIEMCAU_DELEGATE_FACTOR_ADDRESS_TRIES", 30))


@dataclass(frozen=True)
class Outcome:
    """What a typed answer earned: `passed`, or why not (`locked_for` seconds to wait)."""

    passed: bool
    malformed: bool = False
    locked_for: int = 0
    tries_left: int | None = None


def minutes(seconds: int) -> int:
    """Whole minutes to tell a person to wait (rounded up: never "0 minutes")."""
    return max(1, math.ceil(seconds / 60))


def has_factor(delegate: Delegate) -> bool:
    last4 = delegate.national_id_last4 or ""
    return len(last4) == 4 and last4.isdigit()


def _clean(answer: str) -> str | None:
    digits = "".join(ch for ch in answer if not ch.isspace() and ch not in ".-")
    return digits if len(digits) == 4 and digits.isascii() and digits.isdigit() else None


# -- counting wrong answers --------------------------------------------------------------------
def _keys(delegate: Delegate, address: str | None) -> list[tuple[str, int]]:
    keys = [(f"{_KEY}d:{delegate.code}", delegate_limit())]
    if address:
        keys.append((f"{_KEY}a:{address}", address_limit()))
    return keys


def _wait(key: str, limit: int, now: float) -> int:
    """Seconds until `key`'s window ends if its tries are spent, else 0."""
    count = cache.get(key)
    if count is None or int(count) < limit:
        return 0
    started = cache.get(f"{key}:t")
    if started is None:  # the count outlived its start mark: wait a whole window to be safe
        return window_seconds()
    return max(1, int(float(started) + window_seconds() - now))


def _hit(key: str) -> int:
    """One more wrong answer in `key`'s window (which starts at the first); the new count.

    cache.add starts a window only if none is running and incr is atomic in Redis, so two app
    servers counting at once lose nothing.
    """
    window = window_seconds()
    cache.add(f"{key}:t", time.time(), window)
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def locked_for(delegate: Delegate, address: str | None, now: float | None = None) -> int:
    """Seconds the delegate (or this address) must wait before trying again; 0 if not locked."""
    moment = time.time() if now is None else now
    return max((_wait(key, limit, moment) for key, limit in _keys(delegate, address)), default=0)


def check(delegate: Delegate, answer: str, address: str | None) -> Outcome:
    """Judge a typed answer; a wrong one is counted, a locked delegate or address refused.

    A malformed answer (not four digits) is not a guess and is not counted.
    """
    wait = locked_for(delegate, address)
    if wait:
        return Outcome(passed=False, locked_for=wait)
    digits = _clean(answer)
    if digits is None:
        return Outcome(passed=False, malformed=True)
    if has_factor(delegate) and hmac.compare_digest(digits, delegate.national_id_last4):
        cache.delete_many([f"{_KEY}d:{delegate.code}", f"{_KEY}d:{delegate.code}:t"])
        return Outcome(passed=True)
    left = None
    for key, limit in _keys(delegate, address):
        count = _hit(key)
        left = limit - count if left is None else min(left, limit - count)
    wait = locked_for(delegate, address)
    return Outcome(passed=False, locked_for=wait, tries_left=max(0, left or 0))


def may_confirm(scope: Scope, delegate: Delegate) -> bool:
    """Whether a signed-in person may confirm this delegate in person: their site is in the
    person's write scope (its operator, or an organiser above it)."""
    write_q = scope.site_write_q()
    if write_q is None:
        return False
    return Site.objects.filter(write_q, pk=delegate.site_id).exists()


# -- the pass ----------------------------------------------------------------------------------
# "<code>.<secret digest>.<expires, unix seconds>.<MAC>": an HMAC-SHA256 under a key derived once
# from SECRET_KEY. Not django.core.signing: its Signer costs ~30-40 µs a check here (settings
# look-ups and a key derivation on every call), and the quiz submission fast path checks a pass on
# every submission; this costs a few µs. A SECRET_KEY rotation voids the passes (the delegates
# type their 4 digits again), which is harmless.
@lru_cache(maxsize=1)
def _pass_key() -> bytes:
    return hmac.digest(settings.SECRET_KEY.encode(), SALT.encode(), "sha256")


def _mac(body: str) -> str:
    digest = hmac.digest(_pass_key(), body.encode(), "sha256")
    return urlsafe_b64encode(digest[:18]).decode()


def _value(delegate: Delegate) -> str:
    return f"{delegate.code}.{secret_digest(delegate.secret)}"


def issue_pass(delegate: Delegate) -> str:
    """The cookie value that opens this delegate's pages (and only theirs) for pass_hours()."""
    body = f"{_value(delegate)}.{int(time.time() + pass_hours() * 3600)}"
    return f"{body}.{_mac(body)}"


def read_pass(value: str | None) -> tuple[str, str] | None:
    """(delegate code, secret digest) of a genuine, unexpired pass; None otherwise."""
    if not value or value.count(".") != 3:
        return None
    body, _sep, mac = value.rpartition(".")
    if not hmac.compare_digest(_mac(body), mac):
        return None
    code, digest, expires = body.split(".")
    if not expires.isdigit() or int(expires) <= time.time():
        return None
    return code, digest


def pass_opens(value: str | None, delegate: Delegate) -> bool:
    found = read_pass(value)
    return found is not None and f"{found[0]}.{found[1]}" == _value(delegate)
