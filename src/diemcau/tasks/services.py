"""Start long jobs in the background and let their owner watch them.

As in pretix: a task takes ids and plain values (never model objects), reports (done, total)
progress, and stores its result. The job is queued in the same transaction that records the task
(Django's Tasks framework, database backend): it runs on a `diemcau worker` process once that
transaction commits, survives the app server that started it, and is watched from any server.
Tests and one-shot commands run it inline (DIEMCAU_TASKS_INLINE). A job lost with its worker is
failed when that worker starts again (`queue.reap`).
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import NotFound
from diemcau.tasks import queue
from diemcau.tasks.jobs import (
    PROGRESS_INTERVAL,
    Job,
    Progress,
    job,
    known,
    result_template,
    run,
    user_message,
)
from diemcau.tasks.models import Task

__all__ = [
    "PROGRESS_INTERVAL",
    "Job",
    "Progress",
    "get_task",
    "job",
    "reap_orphans",
    "result_template",
    "run",
    "submit",
    "user_message",
]


def submit(kind: str, owner_id: int | None, params: dict[str, Any], *, priority: int = 0) -> Task:
    """Record the task and queue its job, both or neither; a higher `priority` (-100…100) is
    taken first by the worker (an escalation's SMS before a send to every site)."""
    if not known(kind):
        raise ValueError(f"unknown task kind {kind!r}")
    if getattr(settings, "DIEMCAU_TASKS_INLINE", False):
        task = Task.objects.create(kind=kind, owner_id=owner_id, params=params)
        run(task.pk)  # tests and one-shot commands: the caller waits
        task.refresh_from_db()
        return task
    with transaction.atomic():
        task = Task.objects.create(kind=kind, owner_id=owner_id, params=params)
        queue.enqueue(task.pk, priority=priority)
    return task


def get_task(scope: Scope, task_id: Any) -> Task:
    """A task its owner (or a central organiser) may watch; NotFound for anyone else."""
    task = Task.objects.filter(pk=task_id).first()
    if task is None or not (scope.everything or task.owner_id == scope.user_id):
        raise NotFound(_("Task not found."))
    return task


def reap_orphans(worker_id: str) -> int:
    """Fail the tasks a worker of this name left running when it stopped (see queue.reap)."""
    return queue.reap(worker_id)
