"""Two app servers and a worker, real processes, sharing one database and one Redis: what one
server accepts the other shows, what one revokes both refuse, what one starts the other watches.

On the PostgreSQL pass they share a fresh PostgreSQL database; on the SQLite pass one embedded
database file (two servers on one machine). Redis: a database number of its own per pass.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import redis

BIN = Path(sys.executable).parent
SETUP = """
import json
from diemcau.accounts.services import add_user, issue_token
from diemcau.sites.models import Site
from diemcau.units.models import Unit
unit = Unit.objects.filter(level="commune", province__code="01").order_by("code").first()
Site.objects.create(code="HAI-MAY-1", name="Điểm cầu thử", unit=unit, province_id=unit.province_id)
add_user("van-hanh", "site_operator", "HAI-MAY-1", password="mat-khau-rat-dai-123")
add_user("trung-uong", "central_organiser", None, password="mat-khau-rat-dai-123")
print(json.dumps({"operator": issue_token("van-hanh"), "central": issue_token("trung-uong")}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(base: str, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback test servers
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, None
    except OSError:  # not listening yet, or reset while it starts
        return 0, None


def _until(check: Any, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


@pytest.fixture
def environment(tmp_path: Path, django_db_setup: None, spare_database: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DIEMCAU_DATA_DIR=str(tmp_path),
        DIEMCAU_DEMO="0",
        DIEMCAU_TASKS_INLINE="0",
        DIEMCAU_PUBLIC_URL="https://hoinghi.example.gov.vn",
    )
    url = spare_database("twosrv")  # None on SQLite: one embedded file in the data folder
    if url:
        env["DATABASE_URL"] = url
    redis_db = 12 if url else 11
    redis.Redis(host="127.0.0.1", port=6379, db=redis_db).flushdb()
    env["REDIS_URL"] = f"redis://127.0.0.1:6379/{redis_db}"
    return env


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(BIN / "diemcau"), *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def test_two_app_servers_and_a_worker_share_everything_that_matters(
    environment: dict[str, str], tmp_path: Path
) -> None:
    env = environment
    subprocess.run([str(BIN / "diemcau"), "manage", "migrate", "-v0"], env=env, check=True)
    subprocess.run([str(BIN / "diemcau"), "load-units"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [str(BIN / "diemcau"), "manage", "shell", "-c", SETUP],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    tokens = json.loads(made.stdout.strip().splitlines()[-1])
    ports = [_free_port(), _free_port()]
    procs = [
        _start(
            ["up", "--no-demo", "--no-demo-day", "--no-worker", "--workers", "1", "--port", str(p)],
            env,
            tmp_path / f"server-{p}.log",
        )
        for p in ports
    ]
    procs.append(_start(["worker", "--id", "two-servers-test"], env, tmp_path / "worker.log"))
    a, b = (f"http://127.0.0.1:{p}" for p in ports)
    try:
        for base in (a, b):
            assert _until(lambda base=base: _call(base, "GET", "/api/v1/units", "x")[0] == 401, 90)

        # A heartbeat accepted by server A is on server B's dashboard.
        beat = [{"site": "HAI-MAY-1", "session": "S1", "playing": True, "buffer": 8.0}]
        status, _ = _call(a, "POST", "/api/v1/heartbeats", tokens["operator"], beat)
        assert status == 200

        def online_on_b() -> bool:
            _, body = _call(b, "GET", "/api/v1/operations/status", tokens["central"])
            return bool(body) and body["counts"]["online"] == 1

        assert _until(online_on_b), "server B never saw the heartbeat server A accepted"

        # A task started on A (a list export, run by the worker) is watched from B.
        status, started = _call(
            a,
            "POST",
            "/api/v1/exports/delegates",
            tokens["central"],
            {"node": "01", "format": "csv"},
        )
        assert status == 202, started
        task = started["id"]

        def done_on_b() -> bool:
            _, body = _call(b, "GET", f"/api/v1/exports/tasks/{task}", tokens["central"])
            return bool(body) and body["status"] == "done"

        assert _until(done_on_b, 60), (tmp_path / "worker.log").read_text()

        # The operator's tokens revoked through A: both servers refuse the next beat (the fast
        # path's cache of callers included).
        _call(b, "POST", "/api/v1/heartbeats", tokens["operator"], beat)  # B knows the caller
        status, _ = _call(a, "POST", "/api/v1/people/van-hanh/tokens/revoke", tokens["central"], {})
        assert status == 200
        for base in (a, b):
            refused = _until(
                lambda base=base: (
                    _call(base, "POST", "/api/v1/heartbeats", tokens["operator"], beat)[0] == 401
                ),
                10,
            )
            assert refused, f"{base} still accepts a revoked token"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
