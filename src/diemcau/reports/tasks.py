"""The report of a large node as a file, made in the background while its page shows progress.

A national PDF or XLSX takes seconds at full scale: too long to hold a request, and the person
who asked for it should see it advance (one step per table, then the file itself).
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation

from diemcau.accounts.scopes import scope_for
from diemcau.reports import files, services
from diemcau.tasks.models import Task
from diemcau.tasks.services import Progress, job

KIND = "reports.export"


def export_file(task_id: Any, fmt: str) -> Path:
    """Where a finished export is kept, for its owner to download as often as needed."""
    return Path(settings.DATA_DIR) / "reports" / f"{task_id}.{fmt}"


@job(KIND, result_template="reports/export_result.html")
def export_job(task: Task, progress: Progress) -> dict[str, Any]:
    """Compute the report within its owner's scope as it is when the job runs, then write it."""
    params = task.params
    fmt = params["format"]
    steps = [1]  # grows to the number of tables once the first one is done

    def on_table(done: int, total: int) -> None:
        steps[0] = total + 1
        progress(done, total + 1)

    # In the language of the page that asked for it: a worker has no request to take it from.
    with translation.override(params.get("lang") or settings.LANGUAGE_CODE):
        data = services.report(
            scope_for(task.owner),
            params.get("node"),
            params.get("session"),
            progress=on_table,
            conference_id=params.get("conference"),
        )
        content = files.render(data, fmt)
    path = export_file(task.pk, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    progress(steps[0], steps[0])
    return {
        "node": data["node"]["code"],
        "node_name": data["node"]["name"],
        "session": params.get("session"),
        "conference": data.get("conference_id"),
        "format": fmt,
        "format_label": files.LABELS[fmt],
        "filename": files.filename(data, fmt),
        "size_kb": max(1, round(len(content) / 1024)),
    }
