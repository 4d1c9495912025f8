"""Reports API: the live report for a node, frozen snapshots, and the changes since a freeze."""

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from diemcau.accounts.scopes import scope_for
from diemcau.reports import exporting, pdf, services

router = Router()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportQuery(Schema):
    session: int | None = None
    format: Literal["json", "csv", "xlsx", "pdf"] = "json"


class SnapshotOut(Schema):
    id: int
    node: str
    session_id: int | None
    title: str
    frozen_at: str
    frozen_by: str


def _render(data: dict[str, Any], fmt: str, name: str) -> Any:
    if fmt == "xlsx":
        response = HttpResponse(exporting.to_xlsx(data), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    if fmt == "pdf":
        response = HttpResponse(pdf.to_pdf(data), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    if fmt == "csv":
        response = HttpResponse(exporting.to_csv(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return data


@router.get(
    "/snapshots/{int:pk}", summary="A frozen report (json, csv, xlsx) and what changed since"
)
def get_snapshot(request: HttpRequest, pk: int, query: Query[ReportQuery]) -> Any:
    scope = scope_for(request.user)
    data = services.get_snapshot(scope, pk)
    if query.format == "json":
        live = services.report(scope, data["node"]["code"], (data["session"] or {}).get("id"))
        return {**data, "changes_since": services.diff(data, live)}
    return _render(data, query.format, f"bao-cao-chot-{pk}")


@router.get("/{node}", summary="The report for a unit (TW = the nation): json, csv, xlsx or pdf")
def get_report(request: HttpRequest, node: str, query: Query[ReportQuery]) -> Any:
    data = services.report(scope_for(request.user), node, query.session)
    return _render(data, query.format, f"bao-cao-{data['node']['code']}")


@router.post("/{node}/freeze", response={201: SnapshotOut}, summary="Freeze the report as it is")
def freeze(request: HttpRequest, node: str, query: Query[ReportQuery]) -> Status[Any]:
    snapshot = services.freeze(scope_for(request.user), request.user, node, query.session)
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
