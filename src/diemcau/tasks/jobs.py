"""The jobs the apps register and the one way a job is run: progress, result or failure on the
task row its owner watches.

Kept apart from services.py (which starts tasks) and queue.py (the Django task a worker runs), so
that the queue can call `run` without importing the module that enqueues on it.
"""

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.tasks.models import Task, TaskStatus

log = logging.getLogger("diemcau.tasks")

Progress = Callable[[int, int], None]
# A job gets the task (for its owner and params) and a progress callback; returns JSON data.
Job = Callable[[Task, Progress], dict[str, Any]]

_JOBS: dict[str, Job] = {}
_RESULT_TEMPLATES: dict[str, str] = {}
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
    """Register a function as the job for `kind` (done in the owning app's AppConfig.ready, so
    every process — app server or worker — knows every job).

    `result_template` renders the finished task's result on its progress page.
    """

    def register(func: Job) -> Job:
        _JOBS[kind] = func
        if result_template:
            _RESULT_TEMPLATES[kind] = result_template
        return func

    return register


def known(kind: str) -> bool:
    return kind in _JOBS


def result_template(kind: str) -> str:
    return _RESULT_TEMPLATES.get(kind, "")


def run(task_id: Any) -> None:
    """Run one task to its end, recording progress, result or failure.

    A task that already finished (a worker picked up a job twice after a crash between its run
    and the queue's bookkeeping) is left as it is: its result stands.
    """
    task = Task.objects.get(pk=task_id)
    if task.finished:
        log.warning("task %s (%s) had already finished; not run again", task.pk, task.kind)
        return
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


@job("tasks.ping")
def ping(task: Task, progress: Progress) -> dict[str, Any]:
    """A job that does nothing but say which process ran it: proves a worker is there."""
    progress(1, 1)
    return {"pid": os.getpid()}
