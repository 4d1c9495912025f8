"""Exports API, in the manner of pretix's exporters API: the list of exporters, starting one (a
background task), its progress, then its file.

    GET  /api/v1/exports/                      the exporters: name, formats, options
    POST /api/v1/exports/{identifier}          start (or join the same running export) → 202
    GET  /api/v1/exports/{identifier}?node=…   the same, for programs that only GET
    GET  /api/v1/exports/tasks/{task_id}       progress, and the file's address when done
    GET  /api/v1/exports/tasks/{task_id}/file  the file (409 while it is being written)
"""

from typing import Any, Literal
from uuid import UUID

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from diemcau.accounts.scopes import scope_for
from diemcau.api_errors import ErrorOut
from diemcau.exports import registry, services
from diemcau.tasks.models import Task
from diemcau.tasks.services import get_task

router = Router()


class ExporterChoiceOut(Schema):
    value: str
    label: str


class ExporterOptionOut(Schema):
    name: str
    label: str
    help: str
    choices: list[ExporterChoiceOut]


class ExporterOut(Schema):
    identifier: str
    name: str
    description: str
    formats: list[str]
    options: list[ExporterOptionOut]


class ListExportIn(Schema):
    node: str | None = Field(
        None,
        max_length=64,
        description="A unit code (TW = the nation, a province, a commune) or a site code; "
        "default: your own",
    )
    format: Literal["xlsx", "csv"] = "xlsx"
    options: dict[str, str] = Field(
        default_factory=dict, description="Option name → value, as the exporter lists them"
    )


class ListExportQuery(Schema):
    node: str | None = Field(None, max_length=64)
    format: Literal["xlsx", "csv"] = "xlsx"
    conference: str | None = Field(None, max_length=80)


class ListExportTaskOut(Schema):
    id: UUID
    identifier: str
    status: str
    done: int
    total: int
    percent: int
    error: str
    result: dict[str, Any] | None
    status_url: str
    file_url: str | None = Field(None, description="Where the file is, once the task is done")


@router.get("/", response=list[ExporterOut], summary="The exporters: lists you may export")
def list_exporters(request: HttpRequest) -> list[dict[str, Any]]:
    return [services.describe(e) for e in registry.exporters()]


def _task_out(task: Task) -> dict[str, Any]:
    done = task.status == "done"
    return {
        "id": task.pk,
        "identifier": task.params.get("identifier", ""),
        "status": task.status,
        "done": task.done,
        "total": task.total,
        "percent": task.percent,
        "error": task.error,
        "result": task.result,
        "status_url": reverse("api:export_status", kwargs={"task_id": task.pk}),
        "file_url": reverse("api:export_file", kwargs={"task_id": task.pk}) if done else None,
    }


def _own_export(request: HttpRequest, task_id: UUID) -> Task:
    task = get_task(scope_for(request.user), task_id)
    if task.kind != services.KIND:
        raise HttpError(404, _("Task not found."))
    return task


@router.get(
    "/tasks/{task_id}", response=ListExportTaskOut, summary="Progress of an export, then its file"
)
def export_status(request: HttpRequest, task_id: UUID) -> dict[str, Any]:
    return _task_out(_own_export(request, task_id))


@router.get(
    "/tasks/{task_id}/file",
    response={200: None, 409: ErrorOut},
    summary="The file of a finished export (409 while it is being written or if it failed)",
)
def export_file(request: HttpRequest, task_id: UUID) -> Any:
    try:
        path, name, content_type = services.finished_file(scope_for(request.user), task_id)
    except services.NotReady as exc:
        task = exc.task
        if task.status == "failed":
            detail = _("The export failed: %(error)s") % {"error": task.error}
        else:
            detail = _("The file is not ready yet (%(percent)s%%).") % {"percent": task.percent}
        return Status(409, {"detail": detail, "fields": {}})
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )


def _start(request: HttpRequest, identifier: str, data: ListExportIn) -> Status[Any]:
    task = services.start(
        scope_for(request.user),
        request.user.pk,
        identifier,
        node=data.node,
        fmt=data.format,
        options=data.options,
    )
    return Status(202, _task_out(task))


@router.post(
    "/{identifier}",
    response={202: ListExportTaskOut},
    summary="Start an export as a background task (the same one while it runs)",
)
def start_export(request: HttpRequest, identifier: str, data: ListExportIn) -> Status[Any]:
    return _start(request, identifier, data)


@router.get(
    "/{identifier}",
    response={202: ListExportTaskOut},
    summary="Start an export from its address (joins the same export while it runs)",
)
def start_export_get(
    request: HttpRequest, identifier: str, query: Query[ListExportQuery]
) -> Status[Any]:
    options = {"conference": query.conference} if query.conference else {}
    return _start(
        request, identifier, ListExportIn(node=query.node, format=query.format, options=options)
    )
