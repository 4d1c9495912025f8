"""Background jobs of notifications: sending deliveries (one, or a broadcast's thousands).

A retry due later than `sending.DEFER_AFTER` is not waited for in the worker: the job queues
itself again to run then (Django Tasks' run_after) and ends, so a failing gateway never holds
the worker up while other jobs (an escalation's SMS) wait behind it. For the same reason a send
that is not itself urgent gives way, about once a second, to an escalation queued behind it
(`services.URGENT` priority): it queues its rest for now and ends, and the worker, which takes
the highest priority first, sends the escalation before coming back to it.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

from diemcau.notifications import sending
from diemcau.notifications.models import Delivery
from diemcau.tasks.models import Task
from diemcau.tasks.services import Progress, job


def _later(task: Task, on_queued: Callable[[Task], None] | None = None) -> Any:
    """A `defer` for sending.run: the same job again at `when`; None when tasks run inline."""
    if getattr(settings, "DIEMCAU_TASKS_INLINE", False):
        return None

    def defer(when: dt.datetime) -> None:
        from diemcau.tasks import queue

        with transaction.atomic():
            again = Task.objects.create(kind=task.kind, owner_id=task.owner_id, params=task.params)
            queue.run_job.using(run_after=when, priority=_priority(task)).enqueue(str(again.pk))
            if on_queued is not None:
                on_queued(again)

    return defer


def _priority(task: Task) -> int:
    from diemcau.notifications.services import URGENT

    return URGENT if task.params.get("urgent") else 0


def _urgent_waiting() -> bool:
    """Whether an escalation's job is ready in the queue (one indexed query)."""
    from django_tasks_db.models import DBTaskResult

    from diemcau.notifications.services import URGENT

    return DBTaskResult.objects.ready().filter(priority__gte=URGENT).exists()


def _give_way(task: Task) -> Callable[[], bool] | None:
    return None if task.params.get("urgent") else _urgent_waiting


@job("notifications.deliver")
def deliver_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Send the listed deliveries (a direct message, or a hand-picked resend)."""
    deliveries = Delivery.objects.filter(pk__in=task.params["ids"])
    counts = sending.run(
        deliveries, task.pk, progress, defer=_later(task), give_way=_give_way(task)
    )
    return {"counts": counts}


@job("notifications.send", result_template="notifications/send_result.html")
def send_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Write a broadcast's deliveries (once), then send every one still queued."""
    from diemcau.audit.services import record_event
    from diemcau.notifications import broadcast
    from diemcau.notifications.models import Message

    message = Message.objects.get(pk=task.params["message"])
    broadcast.prepare(message)

    def follow(again: Task) -> None:  # the message's page follows the task that goes on
        Message.objects.filter(pk=message.pk).update(task_id=again.pk)

    counts = sending.run(
        message.deliveries.all(),
        task.pk,
        progress,
        defer=_later(task, follow),
        give_way=_give_way(task),
    )
    record_event(
        "deliver", "notifications", actor=message.created_by, unit=message.unit_id,
        counts={k: v for k, v in counts.items() if v},
        detail=f"{message.channel}: {message.subject or message.body[:80]}",
    )  # fmt: skip
    return {"message": message.pk, "counts": counts}
