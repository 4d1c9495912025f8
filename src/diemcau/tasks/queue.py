"""The one Django task every background job goes through (Django's Tasks framework).

The task carries only the id of our Task row: the row holds the job's kind, owner, parameters
and progress, which the owner's page reads from any app server. The database backend
(django-tasks-db) stores the queue in the shared database; `diemcau worker` runs it.
"""

import logging
from typing import Any

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.tasks import jobs
from diemcau.tasks.models import Task, TaskStatus

log = logging.getLogger("diemcau.tasks")


@task()
def run_job(task_id: str) -> None:
    jobs.run(task_id)


def enqueue(task_id: Any, *, priority: int = 0) -> None:
    run_job.using(priority=priority).enqueue(str(task_id))


def reap(worker_id: str) -> int:
    """Fail the jobs a worker of this name was running when it died (kill -9, power cut).

    A worker keeps its name across restarts (`diemcau worker --id`, the host name by default),
    so whatever the queue still shows as running under that name cannot be running any more.
    Their tasks are failed with a message asking the owner to start them again: a half-run
    import or export is not resumed behind anyone's back.
    """
    from django_tasks_db.models import DBTaskResult

    lost = [
        result
        for result in DBTaskResult.objects.filter(status="RUNNING")
        if result.worker_ids and result.worker_ids[-1] == worker_id
    ]
    if not lost:
        return 0
    now = timezone.now()
    message = _("The server stopped while this task was running; please start it again.")
    task_ids = [r.args_kwargs.get("args", [None])[0] for r in lost]
    with transaction.atomic():
        DBTaskResult.objects.filter(pk__in=[r.pk for r in lost]).update(
            status="FAILED", finished_at=now
        )
        failed = Task.objects.filter(
            pk__in=[t for t in task_ids if t], status__in=[TaskStatus.QUEUED, TaskStatus.RUNNING]
        ).update(status=TaskStatus.FAILED, error=message, finished_at=now)
    log.warning("worker %s: %d job(s) lost in its previous run marked failed", worker_id, failed)
    return failed
