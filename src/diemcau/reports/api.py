"""Reports API: the live report for a node, frozen snapshots, and the changes since a freeze."""

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from diemcau.accounts.scopes import scope_for
from diemcau.reports import files, services

router = Router()


class ReportQuery(Schema):
    session: int | None = None
    # The conference of a whole-conference report (default: today's, else the latest begun);
    # a session's report is always about the session's own conference.
    conference: int | None = None
    format: Literal["json", "csv", "xlsx", "pdf"] = "json"


class LiveReportQuery(ReportQuery):
    # Keys of the tables to compute (comma-separated), e.g. "dai-bieu": one table answers fast.
    table: str | None = None


class SnapshotOut(Schema):
    id: int
    node: str
    session_id: int | None
    title: str
    frozen_at: str
    frozen_by: str


def _render(data: dict[str, Any], fmt: str) -> Any:
    if fmt == "json":
        return data
    response = HttpResponse(files.render(data, fmt), content_type=files.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{files.filename(data, fmt)}"'
    return response


@router.get(
    "/snapshots/{int:pk}", summary="A frozen report (json, csv, xlsx) and what changed since"
)
def get_snapshot(request: HttpRequest, pk: int, query: Query[ReportQuery]) -> Any:
    scope = scope_for(request.user)
    data = services.get_snapshot(scope, pk)
    if query.format == "json":
        live = services.report(
            scope,
            data["node"]["code"],
            (data["session"] or {}).get("id"),
            conference_id=data.get("conference_id"),
        )
        return {**data, "changes_since": services.diff(data, live)}
    return _render(data, query.format)


@router.get("/{node}", summary="The report for a unit (TW = the nation): json, csv, xlsx or pdf")
def get_report(request: HttpRequest, node: str, query: Query[LiveReportQuery]) -> Any:
    only = {k.strip() for k in query.table.split(",") if k.strip()} if query.table else None
    data = services.report(
        scope_for(request.user), node, query.session, only=only, conference_id=query.conference
    )
    return _render(data, query.format)


@router.post("/{node}/freeze", response={201: SnapshotOut}, summary="Freeze the report as it is")
def freeze(request: HttpRequest, node: str, query: Query[ReportQuery]) -> Status[Any]:
    snapshot = services.freeze(
        scope_for(request.user), request.user, node, query.session, conference_id=query.conference
    )
    return Status(201, _snapshot_out(snapshot))


@router.get("/{node}/snapshots", response=list[SnapshotOut], summary="Frozen reports of a unit")
def list_snapshots(request: HttpRequest, node: str) -> list[dict[str, Any]]:
    return [_snapshot_out(s) for s in services.snapshots(scope_for(request.user), node)]


def _snapshot_out(snapshot: Any) -> dict[str, Any]:
    return {
        "id": snapshot.pk,
        "node": snapshot.node,
        "session_id": snapshot.session_id,
        "title": snapshot.title,
        "frozen_at": snapshot.frozen_at.isoformat(),
        "frozen_by": snapshot.frozen_by.get_username() if snapshot.frozen_by else "",
    }
