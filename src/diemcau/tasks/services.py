"""Run long jobs in the background and let their owner watch them.

As in pretix: a task takes ids and plain values (never model objects), is started only after the
transaction that created it commits, reports (done, total) progress, and stores its result. With
no broker configured it runs on a small thread pool inside the app server; tests and the CLI can
run it inline. A job lost with its process is marked failed at the next start (`reap_orphans`).
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import NotFound
from diemcau.tasks.models import Task, TaskStatus

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# A job gets the task (for its owner and params) and a progress callback; returns JSON data.
Job = Callable[[Task, Progress], dict[str, Any]]

_JOBS: dict[str, Job] = {}
_RESULT_TEMPLATES: dict[str, str] = {}
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
PROGRESS_INTERVAL = 0.5  # seconds between progress writes: a bar, not a log


def user_message(exc: BaseException) -> str:
    """What the task page may show: our own errors carry a message written for the user; a
    library's or Python's own (English, sometimes with paths or SQL) stays in the server log."""
    if exc.__class__.__module__.startswith("diemcau.") and str(exc):
        return str(exc)
    return _(
        "The job stopped on an unexpected error; nothing more was done. The server log has "
        "the details (look for this job's number)."
    )


def job(kind: str, result_template: str = "") -> Callable[[Job], Job]:
    """Register a function as the job for `kind` (done at import of the owning app's tasks.py).

    `result_template` renders the finished task's result on its progress page.
    """

    def register(func: Job) -> Job:
        _JOBS[kind] = func
        if result_template:
            _RESULT_TEMPLATES[kind] = result_template
        return func

    return register


def result_template(kind: str) -> str:
    return _RESULT_TEMPLATES.get(kind, "")


def _pool() -> ThreadPoolExecutor:
    global _POOL  # noqa: PLW0603 - one pool per process, made on first use
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="diemcau-task")
        return _POOL


def submit(kind: str, owner_id: int | None, params: dict[str, Any]) -> Task:
    """Record the task and start it once the surrounding transaction has committed."""
    if kind not in _JOBS:
        raise ValueError(f"unknown task kind {kind!r}")
    task = Task.objects.create(kind=kind, owner_id=owner_id, params=params)
    if getattr(settings, "DIEMCAU_TASKS_INLINE", False):
        run(task.pk)  # tests and one-shot commands: the caller waits
        task.refresh_from_db()
    else:
        transaction.on_commit(lambda: _pool().submit(_run_in_thread, task.pk))
    return task


def _run_in_thread(task_id: Any) -> None:
    close_old_connections()
    try:
        run(task_id)
    finally:
        connection.close()


def run(task_id: Any) -> None:
    """Run one task to its end, recording progress, result or failure."""
    task = Task.objects.get(pk=task_id)
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.RUNNING, started_at=timezone.now())
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL or done >= total:
            last[0] = now
            Task.objects.filter(pk=task.pk).update(done=done, total=total)

    try:
        result = _JOBS[task.kind](task, progress)
    except Exception as exc:
        log.exception("task %s (%s) failed", task.pk, task.kind)
        Task.objects.filter(pk=task.pk).update(
            status=TaskStatus.FAILED,
            error=user_message(exc),
            finished_at=timezone.now(),
        )
        return
    Task.objects.filter(pk=task.pk).update(
        status=TaskStatus.DONE, result=result, finished_at=timezone.now()
    )


def get_task(scope: Scope, task_id: Any) -> Task:
    """A task its owner (or a central organiser) may watch; NotFound for anyone else."""
    task = Task.objects.filter(pk=task_id).first()
    if task is None or not (scope.everything or task.owner_id == scope.user_id):
        raise NotFound(_("Task not found."))
    return task


def reap_orphans() -> int:
    """Mark as failed the tasks left queued or running by a process that stopped."""
    return Task.objects.filter(status__in=[TaskStatus.QUEUED, TaskStatus.RUNNING]).update(
        status=TaskStatus.FAILED,
        error=_("The server stopped while this task was running; please start it again."),
        finished_at=timezone.now(),
    )
