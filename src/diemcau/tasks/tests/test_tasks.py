import time

import pytest

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


def _wait(task_id, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        task = Task.objects.get(pk=task_id)
        if task.finished:
            return task
        time.sleep(0.05)
    raise AssertionError("task did not finish")


def test_pool_runs_the_task_after_commit_and_records_progress(
    units_restored, transactional_db, settings, make_user
):
    settings.DIEMCAU_TASKS_INLINE = False
    owner = make_user("viewer")
    task = services.submit("test.count", owner.pk, {"n": 5})
    done = _wait(task.pk)
    assert done.status == TaskStatus.DONE, done.error
    assert done.result == {"counted": 5}
    assert (done.done, done.total, done.percent) == (5, 5, 100)
    assert done.started_at and done.finished_at >= done.started_at

    failing = _wait(services.submit("test.fail", owner.pk, {}).pk)
    assert failing.status == TaskStatus.FAILED and failing.error == "tệp hỏng"
    assert (failing.done, failing.total) == (1, 4)

    # A library's or Python's own error text never reaches the page: a Vietnamese line does.
    crashed = _wait(services.submit("test.crash", owner.pk, {}).pk)
    assert crashed.status == TaskStatus.FAILED
    assert "division" not in crashed.error and "lỗi không mong muốn" in crashed.error


@pytest.mark.django_db
def test_only_the_owner_or_central_sees_a_task(make_user):
    owner, other = make_user("viewer"), make_user("viewer")
    task = services.submit("test.count", owner.pk, {"n": 1})
    assert services.get_task(Scope(user_id=owner.pk), task.pk) == task
    assert services.get_task(Scope(user_id=None, everything=True), task.pk) == task
    with pytest.raises(NotFound):
        services.get_task(Scope(user_id=other.pk), task.pk)


@pytest.mark.django_db
def test_unknown_kind_is_refused_and_orphans_are_reaped(make_user):
    with pytest.raises(ValueError, match="unknown"):
        services.submit("no.such", None, {})
    stuck = Task.objects.create(kind="test.count", status=TaskStatus.RUNNING)
    assert services.reap_orphans() == 1
    stuck.refresh_from_db()
    assert stuck.status == TaskStatus.FAILED and stuck.error
