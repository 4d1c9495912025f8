"""Background jobs of the delegates app: an import and a site's badge sheet, watched from their
progress page."""

from pathlib import Path
from typing import Any

from django.conf import settings

from diemcau import publicurl
from diemcau.accounts.scopes import scope_for
from diemcau.audit.services import record_import
from diemcau.tasks.models import Task
from diemcau.tasks.services import Progress, job


@job("delegates.import", result_template="delegates/import_report.html")
def import_delegates_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Import the uploaded file within its owner's scope; the upload is removed afterwards.

    The scope is computed when the job runs, not when it was queued: a grant withdrawn in between
    is honoured.
    """
    from diemcau.delegates.importing import import_delegates

    params = task.params
    path = Path(params["path"])
    try:
        report = import_delegates(
            scope_for(task.owner),
            path,
            filename=params["filename"],
            dry_run=params["dry_run"],
            skip_bad=params["skip_bad"],
            progress=progress,
        )
    finally:
        path.unlink(missing_ok=True)
    record_import("delegates", report, scope=scope_for(task.owner), filename=params["filename"])
    return report.as_dict()


def badge_file(task_id: Any) -> Path:
    """Where a badge job keeps its PDF: made once, downloaded as often as needed."""
    return Path(settings.DATA_DIR) / "badges" / f"{task_id}.pdf"


@job("delegates.badges", result_template="delegates/badges_result.html")
def badges_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Print the badges of one site (2,000 delegates take ~10 s: too long for a request)."""
    from diemcau.delegates import services
    from diemcau.delegates.badges import PER_PAGE, badge_sheet

    site, rows = services.badge_rows(scope_for(task.owner), task.params["site"])
    # The organiser's own address when no public one is set (publicurl.base(request)).
    base = task.params.get("base_url") or publicurl.base()
    pdf = badge_sheet(
        rows,
        conference=services.conference_name(),
        site=site.name,
        base=base,
        total=len(rows),
        progress=progress,
    )
    path = badge_file(task.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    return {
        "site": site.code,
        "site_name": site.name,
        "count": len(rows),
        "pages": max(1, -(-len(rows) // PER_PAGE)),
        "size_kb": round(len(pdf) / 1024),
        "address": base,
        "address_warning": publicurl.warning_for(base),
    }
