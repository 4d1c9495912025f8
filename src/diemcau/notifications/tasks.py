"""Background jobs of notifications: sending deliveries (one, or a broadcast's thousands)."""

from typing import Any

from diemcau.notifications import sending
from diemcau.notifications.models import Delivery
from diemcau.tasks.models import Task
from diemcau.tasks.services import Progress, job


@job("notifications.deliver")
def deliver_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Send the listed deliveries (a direct message, or a hand-picked resend)."""
    deliveries = Delivery.objects.filter(pk__in=task.params["ids"])
    return {"counts": sending.run(deliveries, task.pk, progress)}


@job("notifications.send", result_template="notifications/send_result.html")
def send_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Write a broadcast's deliveries (once), then send every one still queued."""
    from diemcau.audit.services import record_event
    from diemcau.notifications import broadcast
    from diemcau.notifications.models import Message

    message = Message.objects.get(pk=task.params["message"])
    broadcast.prepare(message)
    counts = sending.run(message.deliveries.all(), task.pk, progress)
    record_event(
        "deliver", "notifications", actor=message.created_by, unit=message.unit_id,
        counts={k: v for k, v in counts.items() if v},
        detail=f"{message.channel}: {message.subject or message.body[:80]}",
    )  # fmt: skip
    return {"message": message.pk, "counts": counts}
