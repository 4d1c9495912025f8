"""The real server: granian in WSGI mode on an embedded SQLite database, as `diemcau up` runs it."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
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
        yield base, tmp_path, proc, env
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_up_serves_the_api_and_the_ui_with_sqlite_in_wal_mode(server):
    base, data_dir, _proc, _env = server
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


def _worker_of(server_pid: int) -> list[int]:
    """The pids of the background-job workers `diemcau up` started beside this server."""
    mark = f"--parent-pid\0{server_pid}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_up_runs_background_jobs_on_its_own_worker_which_ends_with_it(server):
    _base, data_dir, proc, env = server
    queued = subprocess.run(
        [
            BIN / "diemcau",
            "manage",
            "shell",
            "-c",
            "from diemcau.tasks.services import submit; print(submit('tasks.ping', None, {}).pk)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    task_id = queued.stdout.strip().splitlines()[-1].replace("-", "")
    with closing(sqlite3.connect(data_dir / "diemcau.sqlite3")) as db:
        for _ in range(300):
            row = db.execute(
                "SELECT status, result FROM tasks_task WHERE id = ?", (task_id,)
            ).fetchone()
            if row and row[0] in ("done", "failed"):
                break
            time.sleep(0.2)
    assert row is not None and row[0] == "done", (row, (data_dir / "worker.log").read_text())
    assert str(proc.pid) not in row[1]  # run by the worker, not by the server's processes
    workers = _worker_of(proc.pid)
    assert len(workers) == 1
    proc.terminate()
    proc.wait(timeout=10)
    for _ in range(50):  # the worker notices within ~2 s that its server is gone
        if not _worker_of(proc.pid):
            break
        time.sleep(0.2)
    assert not _worker_of(proc.pid)
