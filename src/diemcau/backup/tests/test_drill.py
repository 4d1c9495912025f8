"""The backup drill: back up while sites keep checking delegates in, restore into a fresh data
folder (or database) with the real commands, and find there exactly the state of the backup's
instant — every counter agreeing with its source rows, the counts the manifest promised, the
keys that make badges and national-ID hashes verifiable."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from diemcau.attendance.checkins import ScanIn, record_scans
from diemcau.attendance.models import CheckIn
from diemcau.attendance.recount import rebuild_counters
from diemcau.attendance.tests.helpers import IN_WINDOW, badge, make_delegate, make_session
from diemcau.backup import services
from diemcau.conftest import HOAN_KIEM
from diemcau.exports.tests.helpers import CENTRE

pytestmark = pytest.mark.django_db(transaction=True)
BIN = Path(sys.executable).parent


@pytest.fixture
def units_back(django_db_blocker: Any) -> Any:
    """A transactional test empties every table: put the shared tree back afterwards."""
    yield
    from diemcau.units.services import load_units

    with django_db_blocker.unblock():
        load_units()


class Writer(threading.Thread):
    """A site's console sending check-in batches without pause, as on the morning of the day."""

    def __init__(self, people: list[Any], site_code: str, session_id: int) -> None:
        super().__init__(daemon=True)
        self.people, self.site_code, self.session_id = people, site_code, session_id
        self.stop = threading.Event()
        self.sent = 0

    def run(self) -> None:
        try:
            for start in range(0, len(self.people), 5):
                if self.stop.is_set():
                    break
                batch = [
                    ScanIn(
                        id=str(uuid.uuid4()),
                        badge=badge(d),
                        site=self.site_code,
                        session=self.session_id,
                        scanned_at=IN_WINDOW,
                    )
                    for d in self.people[start : start + 5]
                ]
                record_scans(CENTRE, batch)
                self.sent += len(batch)
        finally:
            connection.close()


@pytest.fixture
def fresh_target(tmp_path: Path, spare_database: Any) -> dict[str, str]:
    """The environment of a server with an empty data folder (and an empty database)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DIEMCAU_DATA_DIR"] = str(tmp_path / "restored")
    url = spare_database("drill")  # None on SQLite: the file in the fresh data folder
    if url:
        env["DATABASE_URL"] = url
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - fixed argv
        [str(BIN / "diemcau"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_backup_taken_during_check_ins_restores_to_its_own_instant(
    units_back: Any,
    transactional_db: None,
    make_site: Any,
    tmp_path: Path,
    fresh_target: dict[str, str],
) -> None:
    site = make_site(HOAN_KIEM, code="DRILL-1")
    session = make_session()
    people = [make_delegate(site, f"Đại biểu {n}") for n in range(400)]
    rebuild_counters()  # the helper writes delegates one by one, past the importer's counters
    secret = Path(settings.DATA_DIR) / "secret_key"
    assert secret.exists()

    writer = Writer(people, site.code, session.pk)
    writer.start()
    while writer.sent < 50:  # the morning has started
        time.sleep(0.01)
    before = CheckIn.objects.count()
    archive = tmp_path / "drill.tar"
    manifest = services.backup(archive)
    after = CheckIn.objects.count()
    writer.stop.set()
    writer.join(timeout=60)

    saved = manifest.counts["attendance_checkin"]
    assert before <= saved <= after
    assert manifest.counts["delegates_delegate"] == 400
    assert "secret_key" in manifest.files

    env = fresh_target
    restored = _run(["restore", str(archive)], env)
    assert "khớp" in restored
    recount = _run(["counters", "rebuild"], env)
    assert "không sửa gì" in recount, recount  # every counter agrees with its source rows
    shell = "from diemcau.attendance.models import CheckIn; print(CheckIn.objects.count())"
    assert _run(["manage", "shell", "-c", shell], env).strip().splitlines()[-1] == str(saved)
    assert (tmp_path / "restored" / "secret_key").read_bytes() == secret.read_bytes()

    # Restoring again over the data now there is refused, unless asked for.
    again = subprocess.run(  # noqa: S603 - fixed argv
        [str(BIN / "diemcau"), "restore", str(archive)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode != 0 and "--force" in again.stderr
    assert "khớp" in _run(["restore", str(archive), "--force"], env)


def test_something_else_is_not_taken_for_a_backup(tmp_path: Path) -> None:
    fake = tmp_path / "not-a-backup.tar"
    fake.write_bytes(b"PK\x03\x04 this is a zip")
    with pytest.raises(services.BackupError) as refused:
        services.read_manifest(fake)
    assert "not-a-backup.tar" in str(refused.value)
