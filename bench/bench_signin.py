"""What the sign-in defences cost on every request: django-axes and django-otp, on and off.

    .venv/bin/python bench/bench_signin.py [--requests 3000] [--rounds 5]
    DATABASE_URL=postgres://postgres@127.0.0.1/test .venv/bin/python bench/bench_signin.py

A simple authenticated GET, /api/v1/me, through Django's whole stack (test client, every
middleware, django-ninja), as a central organiser:
  bearer_*    with an API token (the consoles' and agents' way)
  session_*   with a session cookie that passed its second factor (the organiser's browser)
*_on is the shipped configuration (AxesMiddleware, OTPMiddleware, SignInPolicyMiddleware, the
axes backend first, two-factor for organisers); *_off the same process with them removed by
override_settings. The configurations alternate in rounds so drift hits them alike; each figure
is the median of every request's wall time (ms), and `extra_*` is on minus off. Only failed
sign-ins write (axes); a successful request costs the device lookup of django-otp (one query,
session only) and nothing from axes.

JSON goes to stdout and into bench/results/signin.json (one entry per database vendor).
"""

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import add_out_argument, save, throwaway_data

_REMOVED = (
    "django_otp.middleware.OTPMiddleware",
    "diemcau.accounts.middleware.SignInPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
)


def _time(client: Any, n: int, **headers: str) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get("/api/v1/me", **headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"/api/v1/me answered {response.status_code}")
    return times


def run(requests: int, rounds: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from diemcau.accounts.services import add_user, issue_token

    setup_test_environment()  # what the test client expects (its host name, locmem mail)
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", interactive=False, verbosity=0)
    add_user("bench-signin", "central_organiser", password="cau-truyen-hinh-2025")  # noqa: S106
    user = User.objects.get(username="bench-signin")
    token = issue_token(user.username, "bench")

    browser = Client()
    browser.force_login(user)
    browser.get("/accounts/2fa/enrol/")
    device = TOTPDevice.objects.get(user=user)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    enrolled = browser.post("/accounts/2fa/enrol/", {"code": f"{code:06d}"})
    if enrolled.status_code != 200 or not browser.get("/api/v1/me").status_code == 200:
        raise RuntimeError("could not pass the second factor")

    off = override_settings(
        MIDDLEWARE=[m for m in settings.MIDDLEWARE if m not in _REMOVED],
        AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"],
        AXES_ENABLED=False,
        DIEMCAU_2FA_ROLES=[],
    )
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    samples: dict[str, list[float]] = {
        k: [] for k in ("bearer_on", "bearer_off", "session_on", "session_off")
    }
    for _ in range(rounds):
        on_bearer, on_session = Client(), browser
        _time(on_bearer, 20, **bearer)  # warm-up
        samples["bearer_on"] += _time(on_bearer, requests, **bearer)
        samples["session_on"] += _time(on_session, requests)
        with off:
            off_bearer = Client()
            off_session = Client()
            off_session.cookies = browser.cookies  # the same session, without the OTP middleware
            _time(off_bearer, 20, **bearer)
            samples["bearer_off"] += _time(off_bearer, requests, **bearer)
            samples["session_off"] += _time(off_session, requests)

    medians = {k: round(statistics.median(v), 3) for k, v in samples.items()}
    return {
        "database": connection.vendor,
        "python": platform.python_version(),
        "requests_per_figure": requests * rounds,
        "median_ms": medians,
        "extra_bearer_ms": round(medians["bearer_on"] - medians["bearer_off"], 3),
        "extra_session_ms": round(medians["session_on"] - medians["session_off"], 3),
        "extra_bearer_pct": round(100 * (medians["bearer_on"] / medians["bearer_off"] - 1), 1),
        "extra_session_pct": round(100 * (medians["session_on"] / medians["session_off"] - 1), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per figure and round")
    parser.add_argument("--rounds", type=int, default=5)
    add_out_argument(parser, "signin.json")
    args = parser.parse_args()
    with throwaway_data("signin", two_factor=True):
        results = run(args.requests, args.rounds)
    save(results, args.out)


if __name__ == "__main__":
    main()
