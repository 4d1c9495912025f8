"""Background job: certificates for a whole province (or the nation), site by site.

Each site's certificates become one kept PDF (the file a site operator prints), so the job's
cost is the rendering rate of whole documents (~100 pages/s) and its progress is per site.
"""

from typing import Any

from diemcau.accounts.scopes import scope_for
from diemcau.audit.services import record_event
from diemcau.tasks.models import Task
from diemcau.tasks.services import Progress, job


@job("assessment.certificates")
def issue_certificates_job(task: Task, progress: Progress) -> dict[str, Any]:
    from diemcau.assessment.certificates.batch import issue_for_unit

    params = task.params
    result = issue_for_unit(
        scope_for(task.owner),
        int(params["conference"]),
        params["unit"],
        progress,
        params.get("base", ""),
    )
    record_event("issue", "certificates", actor=task.owner, unit=result["unit"], counts=result)
    return result
