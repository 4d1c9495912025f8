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
