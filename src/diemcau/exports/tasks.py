"""Exports and paper lists as background tasks, watched from their progress page."""

from pathlib import Path
from typing import Any

from diemcau.accounts.scopes import scope_for
from diemcau.exports import services
from diemcau.tasks.models import Task
from diemcau.tasks.services import Progress, job

PAPERLIST_KIND = "exports.paperlist"


@job(services.KIND, result_template="exports/export_result.html")
def export_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Write the list within its owner's scope as it is when the job runs (a grant withdrawn
    since the request is honoured)."""
    services.purge_older_than()  # last week's files go as this one is written
    params = task.params
    result = services.run_export(
        scope_for(task.owner),
        params["identifier"],
        node=params["node"],
        fmt=params["format"],
        options=params.get("options") or {},
        out=services.export_path(task.pk, params["format"]),
        progress=progress,
    )
    return result.as_dict()


@job(PAPERLIST_KIND, result_template="exports/paperlist_result.html")
def paperlist_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Check (dry run) or record an uploaded paper sign-in list; the file is kept, so that the
    person can record the very list they checked (services.purge_older_than removes it)."""
    from diemcau.attendance import paperlist

    params = task.params
    path = Path(params["path"])
    report = paperlist.import_list(
        scope_for(task.owner),
        path,
        session=params["session"],
        filename=params["filename"],
        dry_run=params["dry_run"],
        user_id=task.owner_id,
        progress=progress,
    )
    # The upload stays (recording it again counts nothing twice) until the weekly purge.
    return {**report.as_dict(), "upload": path.name, "session": params["session"]}
