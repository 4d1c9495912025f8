"""Running an exporter for a caller: checks, the file, its name, and the background task.

The UI, the API and the CLI call these, never an exporter directly, so the three write the same
file for the same request and check the same things first: the exporter exists, takes the format,
the node lies in the caller's scope (NotFound otherwise) and the options are valid (Invalid).
Every finished export is one entry in the audit trail (personal data left the system).
"""

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import Invalid, NotFound
from diemcau.exports import exporters, registry, scoping, writing
from diemcau.exports.registry import Exporter, Progress
from diemcau.tasks.models import Task, TaskStatus

KIND = "exports.run"
assert exporters  # registered on import: the three lists
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
LABELS = {"xlsx": "Excel (XLSX)", "csv": "CSV (UTF-8)"}


@dataclass
class ExportResult:
    identifier: str
    node: str
    node_name: str
    format: str
    rows: int
    filename: str
    size_kb: int
    sheets: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "format_label": LABELS[self.format]}


def get_exporter(identifier: str) -> Exporter:
    exporter = registry.get(identifier)
    if exporter is None:
        raise NotFound(_("No list “%(name)s”.") % {"name": identifier})
    return exporter


def describe(exporter: Exporter) -> dict[str, Any]:
    """An exporter as the API lists it: what it is, the formats it writes, the options it takes."""
    return {
        "identifier": exporter.identifier,
        "name": str(exporter.name),
        "description": str(exporter.description),
        "formats": list(exporter.formats),
        "options": [
            {
                "name": o.name,
                "label": str(o.label),
                "help": str(o.help),
                "choices": [{"value": v, "label": label} for v, label in o.choices()],
            }
            for o in exporter.options
        ],
    }


def check(
    scope: Scope, identifier: str, node: str | None, fmt: str, options: dict[str, str]
) -> tuple[Exporter, scoping.Target, dict[str, str]]:
    """Everything that can be wrong with a request, found before a task is queued."""
    exporter = get_exporter(identifier)
    if fmt not in exporter.formats:
        raise Invalid(
            _("This list is written as %(formats)s.") % {"formats": ", ".join(exporter.formats)},
            {"format": _("Choose one of: %(n)s.") % {"n": ", ".join(exporter.formats)}},
        )
    target = scoping.resolve(scope, node)
    cleaned: dict[str, str] = {}
    for option in exporter.options:
        value = str(options.get(option.name) or "").strip() or option.default()
        allowed = {v for v, _label in option.choices()}
        if value not in allowed:
            raise Invalid(
                _("Some fields are invalid."), {option.name: _("Choose one of the list.")}
            )
        cleaned[option.name] = value
    return exporter, target, cleaned


def filename(exporter: Exporter, target: scoping.Target, fmt: str) -> str:
    code = re.sub(r"[^A-Za-z0-9._-]+", "-", target.code).strip("-") or "ds"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{exporter.filename_stem}-{code}-{stamp}.{fmt}"


def run_export(
    scope: Scope,
    identifier: str,
    *,
    node: str | None,
    fmt: str,
    options: dict[str, str] | None,
    out: Path,
    progress: Progress | None = None,
    max_rows: int | None = None,
) -> ExportResult:
    """Write the list to `out`, within the caller's scope as it is now."""
    exporter, target, cleaned = check(scope, identifier, node, fmt, options or {})
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    # One read transaction: the list's streams see one state of the tables, and PostgreSQL's
    # server-side cursors need not be held past a commit (WITH HOLD copies the whole result).
    with transaction.atomic(), partial.open("wb") as handle:
        plan = exporter.plan(target, cleaned)
        if fmt == "csv":
            rows = writing.write_csv(handle, plan, progress)
            sheets: dict[str, int] = {}
        else:
            sheets = writing.write_xlsx(handle, plan, progress, max_rows=max_rows)
            rows = sum(sheets.values())
    partial.replace(out)  # a reader never sees half a file
    from diemcau.audit.services import record_export

    record_export(f"exports.{identifier}", rows, scope=scope, detail=f"{target.code} {fmt}")
    return ExportResult(
        identifier=identifier,
        node=target.code,
        node_name=target.name,
        format=fmt,
        rows=rows,
        filename=filename(exporter, target, fmt),
        size_kb=max(1, round(out.stat().st_size / 1024)),
        sheets=sheets,
    )


def export_path(task_id: Any, fmt: str) -> Path:
    """Where a finished export is kept for its owner to download."""
    return Path(settings.DATA_DIR) / "exports" / f"{task_id}.{fmt}"


def start(
    scope: Scope,
    owner_id: int | None,
    identifier: str,
    *,
    node: str | None,
    fmt: str,
    options: dict[str, str] | None = None,
) -> Any:
    """Check the request now (a wrong node is 404 at once), then queue it as a task."""
    from diemcau.tasks.services import submit

    exporter, target, cleaned = check(scope, identifier, node, fmt, options or {})
    params = {
        "identifier": exporter.identifier,
        "node": target.code,
        "format": fmt,
        "options": cleaned,
    }
    # The same list already being written for the same person: that task, not a second one
    # (a reload, a double click or a program polling the start address cost nothing).
    running = Task.objects.filter(
        kind=KIND, owner_id=owner_id, status__in=(TaskStatus.QUEUED, TaskStatus.RUNNING)
    )
    for task in running[:20]:
        if task.params == params:
            return task
    return submit(KIND, owner_id, params)


class NotReady(Exception):
    def __init__(self, task: Any) -> None:
        super().__init__(task.status)
        self.task = task


def finished_file(scope: Scope, task_id: Any) -> tuple[Path, str, str]:
    """(path, download name, content type) of a finished export its owner may fetch.

    NotFound outside the owner (as tasks.get_task), NotReady while it runs or after it failed.
    """
    from diemcau.tasks.services import get_task

    task = get_task(scope, task_id)
    if task.kind != KIND:
        raise NotFound(_("Task not found."))
    result = task.result or {}
    fmt = str(result.get("format") or task.params.get("format") or "")
    path = export_path(task.pk, fmt) if fmt in CONTENT_TYPES else None
    if task.status != "done" or path is None:
        raise NotReady(task)
    if not path.exists():
        raise NotFound(_("The file of this export is no longer kept; please export again."))
    return path, str(result.get("filename") or path.name), CONTENT_TYPES[fmt]


def purge_older_than(days: int = 7) -> int:
    """Remove kept export files and paper lists left after a dry run, older than `days`: personal
    data is not kept longer than needed. Returns how many files were removed."""
    cutoff = (timezone.now() - dt.timedelta(days=days)).timestamp()
    removed = 0
    for folder in (
        Path(settings.DATA_DIR) / "exports",
        Path(settings.DATA_DIR) / "uploads" / "paper-lists",
    ):
        if not folder.exists():
            continue
        for path in folder.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
