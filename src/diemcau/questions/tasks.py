"""The merge proposals computed as a background task ("Tính lại" on the proposals page)."""

from typing import Any

from diemcau.questions.services.merge_offers import TASK_KIND, compute
from diemcau.tasks.models import Task
from diemcau.tasks.services import Progress, job


@job(TASK_KIND, result_template="questions/merge_proposals_result.html")
def merge_proposals_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Compute over every live question and store the batch; the page reads it from then on."""
    batch = compute(progress)
    progress(1, 1)
    return {"proposals": batch.rows.count(), "computed_at": batch.computed_at.isoformat()}
