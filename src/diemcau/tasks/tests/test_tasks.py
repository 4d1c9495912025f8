import os
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings

from diemcau.accounts.scopes import Scope
from diemcau.errors import NotFound
from diemcau.tabular import TableError
from diemcau.tasks import services
from diemcau.tasks.models import Task, TaskStatus
from diemcau.units.services import load_units


@services.job("test.count")
def _count(task, progress):
    total = task.params["n"]
    for done in range(1, total + 1):
        progress(done, total)
    return {"counted": total}


@services.job("test.fail")
def _fail(task, progress):
    progress(1, 4)
    raise TableError("tệp hỏng")


@services.job("test.crash")
def _crash(task, progress):
    return 1 / 0


@pytest.fixture
def units_restored(django_db_blocker):
    """A transactional test empties every table; put the shared tree back afterwards."""
    yield
    with django_db_blocker.unblock():
        load_units()


def test_a_worker_runs_the_queued_task_and_records_progress(
    units_restored, transactional_db, settings, make_user
):
    settings.DIEMCAU_TASKS_INLINE = False
    owner = make_user("viewer")
    task = services.submit("test.count", owner.pk, {"n": 5})
    failing = services.submit("test.fail", owner.pk, {})
    crashed = services.submit("test.crash", owner.pk, {})
    # Nothing runs in the app server: the jobs wait in the shared queue for a worker.
    time.sleep(0.3)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.QUEUED

    call_command("db_worker", batch=True, worker_id="test-worker", startup_delay=False)

    done = Task.objects.get(pk=task.pk)
    assert done.status == TaskStatus.DONE, done.error
    assert done.result == {"counted": 5}
    assert (done.done, done.total, done.percent) == (5, 5, 100)
    assert done.started_at and done.finished_at >= done.started_at

    failing = Task.objects.get(pk=failing.pk)
    assert failing.status == TaskStatus.FAILED and failing.error == "tệp hỏng"
    assert (failing.done, failing.total) == (1, 4)

    # A library's or Python's own error text never reaches the page: a Vietnamese line does.
    crashed = Task.objects.get(pk=crashed.pk)
    assert crashed.status == TaskStatus.FAILED
    assert "division" not in crashed.error and "lỗi không mong muốn" in crashed.error


def _database_url() -> str:
    """The test database, as a URL a separate process can open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_a_job_outlives_the_server_that_queued_it_and_runs_in_a_worker_process(
    units_restored, transactional_db, settings, make_user, tmp_path
):
    settings.DIEMCAU_TASKS_INLINE = False
    task = services.submit("tasks.ping", make_user("viewer").pk, {})
    # The "server" that queued it is gone; a worker started later, elsewhere, runs it.
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DIEMCAU_DATA_DIR": str(tmp_path),
        "DIEMCAU_TASKS_INLINE": "0",
    }
    worker = subprocess.run(
        [sys.executable, "-m", "diemcau.cli", "worker", "--batch", "--id", "proc-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr
    done = Task.objects.get(pk=task.pk)
    assert done.status == TaskStatus.DONE, (done.error, worker.stderr)
    assert done.result["pid"] not in (os.getpid(), None)


@pytest.mark.django_db
def test_a_worker_that_died_fails_its_jobs_when_it_starts_again(make_user):
    from django_tasks_db.models import DBTaskResult

    owner = make_user("viewer")
    with override_settings(DIEMCAU_TASKS_INLINE=False):
        lost = services.submit("test.count", owner.pk, {"n": 3})
        waiting = services.submit("test.count", owner.pk, {"n": 3})
    # The worker "w1" had claimed the first job, then was killed with kill -9.
    claimed = DBTaskResult.objects.get(args_kwargs__args=[str(lost.pk)])
    claimed.claim("w1")
    Task.objects.filter(pk=lost.pk).update(status=TaskStatus.RUNNING)

    assert services.reap_orphans("another-worker") == 0
    assert services.reap_orphans("w1") == 1
    lost.refresh_from_db()
    assert lost.status == TaskStatus.FAILED and "chạy lại" in lost.error
    claimed.refresh_from_db()
    assert claimed.status == "FAILED"
    # The job nobody had started stays queued for the next worker.
    waiting.refresh_from_db()
    assert waiting.status == TaskStatus.QUEUED


def test_a_task_is_queued_with_its_row_or_not_at_all(transactional_db, settings, make_user):
    from django_tasks_db.models import DBTaskResult

    settings.DIEMCAU_TASKS_INLINE = False
    owner = make_user("viewer")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.submit("test.count", owner.pk, {"n": 1})
        raise RuntimeError("the request failed after starting the task")
    assert not Task.objects.exists() and not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_only_the_owner_or_central_sees_a_task(make_user):
    owner, other = make_user("viewer"), make_user("viewer")
    task = services.submit("test.count", owner.pk, {"n": 1})
    assert services.get_task(Scope(user_id=owner.pk), task.pk) == task
    assert services.get_task(Scope(user_id=None, everything=True), task.pk) == task
    with pytest.raises(NotFound):
        services.get_task(Scope(user_id=other.pk), task.pk)


@pytest.mark.django_db
def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        services.submit("no.such", None, {})
