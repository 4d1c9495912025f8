"""What every bench shares: where results go and how they are kept per database."""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def add_out_argument(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS_DIR / name,
        help=f"JSON file the figures are kept in, one entry per database (default results/{name})",
    )


def save(results: dict[str, Any], path: Path) -> None:
    """Print the figures and keep them under their database's key, beside the other's."""
    print(json.dumps(results, ensure_ascii=False, indent=2))  # noqa: T201 - a bench reports
    path.parent.mkdir(parents=True, exist_ok=True)
    stored: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    stored[results["database"]] = results
    path.write_text(json.dumps(stored, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def throwaway_data(
    tag: str, *, keep: bool = False, live_flusher: bool = False, two_factor: bool = False
) -> Iterator[str]:
    """A fresh data folder (and, with DATABASE_URL, a fresh PostgreSQL database beside the
    named one, which need not exist) for one bench run, removed afterwards unless `keep`.

    Sets the environment the bench, its commands and its servers read: data folder, a random
    secret key, Django's settings, no heartbeat flusher (unless `live_flusher`: the heartbeat
    bench's servers must flush), no two-factor sign-in (unless `two_factor`). Yields the folder.
    """
    tmp = tempfile.mkdtemp(prefix=f"diemcau-bench-{tag}-")
    os.environ["DIEMCAU_DATA_DIR"] = tmp
    os.environ["DIEMCAU_SECRET_KEY"] = "bench-" + os.urandom(8).hex()
    os.environ["DJANGO_SETTINGS_MODULE"] = "diemcau.settings"
    if not live_flusher:
        os.environ["DIEMCAU_LIVE_FLUSHER"] = "off"
    if not two_factor:
        # The benches sign organisers in with a password to time their pages: no second factor
        # (what two-factor sign-in costs is bench_signin.py's measure).
        os.environ["DIEMCAU_2FA_ROLES"] = ""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    admin_url = os.environ.get("DATABASE_URL", "")
    bench_db = f"diemcau_bench_{tag}_{os.getpid()}"
    if admin_url:
        import psycopg

        admin_url = admin_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {bench_db}")
        os.environ["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + bench_db
    try:
        yield tmp
    finally:
        if keep:
            print(f"data kept in {bench_db if admin_url else tmp}", file=sys.stderr)  # noqa: T201
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            if admin_url:
                import psycopg

                with psycopg.connect(admin_url, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {bench_db} WITH (FORCE)")


# -- a real server for the HTTP benches ------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Until the server accepts connections; fail early when it has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- the data most benches stand on ----------------------------------------------------------
def migrated_with_units() -> None:
    """Django set up, the (throwaway) database migrated, the country's units loaded."""
    import django

    django.setup()
    from django.core.management import call_command

    from diemcau.units.services import load_units

    call_command("migrate", interactive=False, verbosity=0)
    load_units()


def sites_and_delegates(n_sites: int, n_delegates: int) -> list[tuple[int, int | None]]:
    """`n_sites` sites over the communes and `n_delegates` delegates over them, written as the
    imports write them (bench_delegates_import.create_sites, bench_checkins.create_delegates: a
    site's delegates with consecutive ids). Returns every site's (pk, province id), by pk."""
    from bench_checkins import create_delegates
    from bench_delegates_import import create_sites

    from diemcau.sites.models import Site

    create_sites(n_sites, 2025)
    sites = list(Site.objects.order_by("pk").values_list("pk", "province_id"))
    create_delegates(n_delegates, [pk for pk, _ in sites], dict(sites))
    return sites


MORNING_AFTERNOON = (("Phiên sáng", 8, 11), ("Phiên chiều", 13, 17))


def conference_day(
    day: Any, sessions: tuple[tuple[str, int, int], ...] = MORNING_AFTERNOON, name: str = "Hội nghị"
) -> list[int]:
    """The conference "bench" of one day and its sessions (title, from hour, to hour): their pks."""
    import datetime as dt

    from diemcau.programme.models import Conference, Day, Session

    conference = Conference.objects.create(
        slug="bench", name=name, host="BTC", starts_on=day, ends_on=day
    )
    d = Day.objects.create(conference=conference, date=day)
    return [
        Session.objects.create(day=d, title=title, starts_at=dt.time(a), ends_at=dt.time(b)).pk
        for title, a, b in sessions
    ]


def analyze() -> None:
    """On PostgreSQL, what autovacuum does after such a load: statistics for the planner."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def machine() -> dict[str, Any]:
    """What the figures ran on, for the JSON: Python, Django and the number of cores."""
    import platform

    import django

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
    }


def migrated_then_built(
    build: Callable[[], dict[str, Any]], *, analyze_after: bool = False
) -> dict[str, Any]:
    """Django set up and the (throwaway) database migrated, then `build()` timed: what it
    returns, with `build_s` (and, if asked, ANALYZE on PostgreSQL inside the timing)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    built = build()
    if analyze_after:
        analyze()
    built["build_s"] = round(time.perf_counter() - started, 1)
    return built
