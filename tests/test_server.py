"""The real server: granian in WSGI mode on an embedded SQLite database, as `diemcau up` runs it."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DIEMCAU_DATA_DIR"] = str(tmp_path)
    subprocess.run([BIN / "diemcau", "manage", "migrate", "-v0"], env=env, check=True)
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [BIN / "diemcau", "up", "--no-demo", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 60 s: a loaded CI machine starts granian slowly
            try:
                with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=2):  # noqa: S310
                    break
            except OSError:  # refused, reset or timed out while granian starts
                time.sleep(0.2)
        yield base, tmp_path
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_up_serves_the_api_and_the_ui_with_sqlite_in_wal_mode(server):
    base, data_dir = server
    with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=5) as r:  # noqa: S310
        assert r.status == 200 and b'"/api/v1/units"' in r.read()
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"{base}/api/v1/units", timeout=5)  # noqa: S310
    assert denied.value.code == 401
    denied.value.close()
    with urllib.request.urlopen(f"{base}/login/", timeout=5) as r:  # noqa: S310
        assert r.status == 200
    db = data_dir / "diemcau.sqlite3"
    assert db.exists() and (data_dir / "diemcau.sqlite3-wal").exists()
