"""Background jobs of the sites app: a site import watched from its progress page."""

from pathlib import Path
from typing import Any

from diemcau.accounts.scopes import scope_for
from diemcau.audit.services import record_import
from diemcau.tasks.models import Task
from diemcau.tasks.services import Progress, job


@job("sites.import", result_template="sites/import_report.html")
def import_sites_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Import the uploaded file within its owner's scope; the upload is removed afterwards."""
    from diemcau.sites.importing import import_sites

    params = task.params
    path = Path(params["path"])
    try:
        report = import_sites(
            scope_for(task.owner),
            path,
            filename=params["filename"],
            dry_run=params["dry_run"],
            skip_bad=params["skip_bad"],
            progress=progress,
        )
    finally:
        path.unlink(missing_ok=True)
    record_import("sites", report, scope=scope_for(task.owner), filename=params["filename"])
    return report.as_dict()
