"""An import killed with SIGKILL right after its commit leaves the summary right.

The probe of issue 16: a big import killed right after its commit left the per-site
`registered` counters unwritten (29 registered for 300,029 delegates), and nothing rebuilt
them. Here `diemcau import delegates FILE` runs as a real process on the test database; an
environment switch makes it SIGKILL itself as the first thing after the commit — before any
on_commit callback could run — and the summary must still count every delegate.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from diemcau.accounts.scopes import Scope
from diemcau.attendance.summary import summary
from diemcau.conftest import HOAN_KIEM
from diemcau.delegates.importing import CRASH_ENV, import_delegates
from diemcau.delegates.models import Delegate
from diemcau.delegates.tests.helpers import csv_file

EVERYTHING = Scope(user_id=0, everything=True)
ROWS = 3_000


def database_url() -> str:
    """The test database, as DATABASE_URL for a child process (SQLite file or PostgreSQL)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def rows(site: str, n: int, first: int) -> list[list[str]]:
    return [[site, f"Trần Văn {i}", f"001{i:09d}"] for i in range(first, first + n)]


def test_import_killed_right_after_its_commit_leaves_the_summary_right(
    live_db, make_site, tmp_path
):
    make_site(HOAN_KIEM, code="HK-01")
    make_site(HOAN_KIEM, code="HK-02")
    earlier = import_delegates(EVERYTHING, csv_file(rows("HK-01", 29, 0)), filename="a.csv")
    assert earlier.written and summary(EVERYTHING, None, None)["registered"] == 29

    path = tmp_path / "dai-bieu.csv"
    half = ROWS // 2
    path.write_bytes(
        csv_file([*rows("HK-01", half, 1_000), *rows("HK-02", ROWS - half, 9_000)]).getvalue()
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DIEMCAU_DATA_DIR": str(tmp_path / "data"),
        CRASH_ENV: "import-delegates",
    }
    command = [sys.executable, "-c", "from diemcau.cli import main; main()"]
    run = subprocess.run(  # noqa: S603 - our own interpreter and a file we wrote
        [*command, "import", "delegates", str(path)],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()[-2000:]
    assert b"Da nhap" not in run.stdout and "Đã nhập".encode() not in run.stdout  # died first

    assert Delegate.objects.count() == 29 + ROWS  # the import had committed
    figures = summary(EVERYTHING, None, None)
    assert figures["registered"] == 29 + ROWS
    by_site = {c["code"]: c["registered"] for c in summary(EVERYTHING, HOAN_KIEM, None)["children"]}
    assert by_site == {"HK-01": 29 + half, "HK-02": ROWS - half}
