"""A send to 500 sites through a real SMTP server, with the worker killed (SIGKILL) in the
middle and the send started again: every site gets its message exactly once."""

import os
import signal
import subprocess
import sys

import pytest
from django.db import connection
from django.db.models import Count

from diemcau.conftest import HOAN_KIEM
from diemcau.notifications import broadcast
from diemcau.notifications.audiences import Audience
from diemcau.notifications.models import Delivery, DeliveryStatus
from diemcau.notifications.testing import SmtpSink
from diemcau.sites.models import Site
from diemcau.tasks.models import Task, TaskStatus
from diemcau.units.models import Unit
from diemcau.units.services import load_units

SITES = 500
KILL_AT = 200


@pytest.fixture
def units_restored(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        load_units()


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "diemcau.cli", "worker", "--batch", "--id", "notify-kill"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_killed_send_started_again_reaches_each_site_exactly_once(
    units_restored, live_db, settings, make_user, tmp_path
):
    settings.DIEMCAU_TASKS_INLINE = False
    settings.DEFAULT_FROM_EMAIL = "hoinghi@example.gov.vn"
    unit = Unit.objects.get(code=HOAN_KIEM)
    Site.objects.bulk_create(
        Site(
            code=f"K{i:04d}", name=f"Điểm cầu {i}", name_folded=f"diem cau {i}", unit=unit,
            province_id=unit.province_id, contact_name=f"Người {i}",
            contact_email=f"site{i}@example.vn",
        )
        for i in range(SITES)
    )  # fmt: skip
    organiser = make_user("central_organiser")
    organiser.email = "btc@example.gov.vn"
    organiser.save()
    from diemcau.accounts.scopes import scope_for

    draft = broadcast.Draft.clean(
        channel="email", role="contact", subject="Kiểm tra kỹ thuật – {ma_diem_cau}",
        body="Kính gửi {nguoi_nhan},\nĐiểm cầu {diem_cau} ({don_vi}) kiểm tra lúc 8 giờ.",
        audience=Audience.clean("all", unit=HOAN_KIEM),
    )  # fmt: skip
    message, _task = broadcast.send(scope_for(organiser), organiser, draft)

    worker: dict[str, subprocess.Popen[str]] = {}

    def kill_the_worker(count: int) -> None:
        # The 200th message is stored, but its sender is killed before it hears "250".
        if count == KILL_AT:
            os.kill(worker["proc"].pid, signal.SIGKILL)

    with SmtpSink(on_message=kill_the_worker) as smtp:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DIEMCAU_DATA_DIR": str(tmp_path),
            "DIEMCAU_TASKS_INLINE": "0",
            "DIEMCAU_SMTP_HOST": smtp.host,
            "DIEMCAU_SMTP_PORT": str(smtp.port),
            "DIEMCAU_EMAIL_FROM": "hoinghi@example.gov.vn",
            "DIEMCAU_NOTIFY_RATE_EMAIL": "0",
        }
        worker["proc"] = _worker(env)
        out, _err = worker["proc"].communicate(timeout=300)
        assert worker["proc"].returncode == -signal.SIGKILL, out
        assert smtp.count == KILL_AT
        stopped = Task.objects.get(pk=message.task_id)
        assert stopped.status == TaskStatus.RUNNING  # as the kill left it

        # Started again: the worker fails what it had in hand, the organiser resumes the send.
        broadcast.start(message)
        smtp.on_message = None
        worker["proc"] = _worker(env)
        out, _err = worker["proc"].communicate(timeout=300)
        assert worker["proc"].returncode == 0, out

    per_address = smtp.by_recipient()
    assert len(per_address) == SITES
    assert set(per_address.values()) == {1}, [a for a, n in per_address.items() if n > 1]
    assert len({m.message_id for m in smtp.messages}) == SITES
    first = next(m for m in smtp.messages if m.recipients == ["site0@example.vn"])
    assert first.message["Subject"] == "Kiểm tra kỹ thuật – K0000"
    text = first.message.get_content().replace("\r\n", "\n")
    assert "Kính gửi Người 0,\nĐiểm cầu Điểm cầu 0 (Phường Hoàn Kiếm) kiểm tra" in text
    assert first.sender == "hoinghi@example.gov.vn"
    assert first.message["Reply-To"] == "btc@example.gov.vn"

    statuses = dict(
        Delivery.objects.filter(message=message)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # The one in the sender's hands at the kill is "unknown" — it did arrive, and was not resent.
    assert statuses == {DeliveryStatus.SENT: SITES - 1, DeliveryStatus.UNKNOWN: 1}
    unknown = Delivery.objects.get(message=message, status=DeliveryStatus.UNKNOWN)
    assert per_address[unknown.address] == 1
    assert Task.objects.get(pk=stopped.pk).status == TaskStatus.FAILED
    assert broadcast.progress_counts(message)["percent"] == 100
