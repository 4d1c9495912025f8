"""Incidents API: thin wrappers over `operations.incidents`, scoped by the caller's grants."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from diemcau.accounts.scopes import scope_for
from diemcau.operations import incidents
from diemcau.operations.models import (
    Incident,
    IncidentCause,
    IncidentNote,
    IncidentOrigin,
    IncidentStatus,
)
from diemcau.paging import PageQuery, limit_field, page_of

router = Router()


class NoteOut(Schema):
    at: dt.datetime
    author: str | None
    text: str

    @staticmethod
    def resolve_author(obj: IncidentNote) -> str | None:
        return obj.author.username if obj.author else None


class IncidentOut(Schema):
    id: int
    site: str
    site_name: str
    province: str | None
    cause: IncidentCause
    origin: IncidentOrigin
    status: IncidentStatus
    description: str
    session: int | None
    opened_at: dt.datetime
    opened_by: str | None
    assignee: str | None
    assigned_at: dt.datetime | None
    back_online_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolution: str
    time_to_resolve_s: float | None

    @staticmethod
    def resolve_site(obj: Incident) -> str:
        return obj.site.code

    @staticmethod
    def resolve_site_name(obj: Incident) -> str:
        return obj.site.name

    @staticmethod
    def resolve_province(obj: Incident) -> str | None:
        return obj.province.code if obj.province else None

    @staticmethod
    def resolve_session(obj: Incident) -> int | None:
        return obj.session_id

    @staticmethod
    def resolve_opened_by(obj: Incident) -> str | None:
        return obj.opened_by.username if obj.opened_by else None

    @staticmethod
    def resolve_assignee(obj: Incident) -> str | None:
        return obj.assignee.username if obj.assignee else None

    @staticmethod
    def resolve_time_to_resolve_s(obj: Incident) -> float | None:
        if obj.resolved_at is None:
            return None
        return (obj.resolved_at - obj.opened_at).total_seconds()


class IncidentDetail(IncidentOut):
    notes: list[NoteOut]

    @staticmethod
    def resolve_notes(obj: Incident) -> list[IncidentNote]:
        return list(incidents.notes(obj))


class IncidentPage(Schema):
    total: int
    open: int
    limit: int
    offset: int
    items: list[IncidentOut]


class IncidentQuery(PageQuery):
    status: IncidentStatus | None = None
    province: str | None = None
    cause: IncidentCause | None = None
    site: str | None = None
    origin: IncidentOrigin | None = None
    limit: int = limit_field(100, 500)


class IncidentIn(Schema):
    site: str = Field(..., max_length=32)
    cause: IncidentCause
    description: str = Field("", max_length=incidents.MAX_TEXT)


class IncidentAssignIn(Schema):
    assignee: str = Field(..., max_length=150, description="User name of a province technician")


class NoteIn(Schema):
    text: str = Field(..., max_length=incidents.MAX_TEXT)


class ResolveIn(Schema):
    resolution: str = Field(..., max_length=incidents.MAX_TEXT)


class TimesOut(Schema):
    code: str
    name: str
    open: int
    resolved: int
    median_s: float | None
    p90_s: float | None


class StatsOut(Schema):
    total: TimesOut
    provinces: list[TimesOut]


class IncidentSummaryOut(Schema):
    open: int


class TechnicianOut(Schema):
    username: str
    name: str


@router.get("", response=IncidentPage, summary="List incidents in your scope")
def list_incidents(request: HttpRequest, query: Query[IncidentQuery]) -> dict[str, Any]:
    filters = incidents.IncidentFilters(
        status=query.status,
        province=query.province,
        cause=query.cause,
        site=query.site,
        origin=query.origin,
    )
    qs = incidents.visible_incidents(scope_for(request.user), filters)
    return {**page_of(qs, query), "open": qs.filter(status=IncidentStatus.OPEN).count()}


@router.post("", response={201: IncidentDetail}, summary="Open an incident at a site")
def open_incident(request: HttpRequest, payload: IncidentIn) -> Status:
    incident = incidents.open_incident(
        scope_for(request.user), request.user, payload.site, payload.cause, payload.description
    )
    return Status(201, incidents.get_incident(scope_for(request.user), incident.pk))


@router.get(
    "/summary",
    response=IncidentSummaryOut,
    summary="How many incidents are open in your scope",
    url_name="incidents_summary",
)
def summary(request: HttpRequest) -> dict[str, int]:
    return {"open": incidents.open_count(scope_for(request.user))}


@router.get(
    "/resolve-times",
    response=StatsOut,
    summary="Time to resolve (median, 90th percentile, seconds) overall and per province",
)
def resolve_times(request: HttpRequest, province: str | None = None) -> dict[str, Any]:
    total, per_province = incidents.resolve_times(scope_for(request.user), province)
    return {"total": total, "provinces": per_province}


@router.get("/{incident_id}", response=IncidentDetail, summary="One incident with its notes")
def get_incident(request: HttpRequest, incident_id: int) -> Incident:
    return incidents.get_incident(scope_for(request.user), incident_id)


@router.get(
    "/{incident_id}/technicians",
    response=list[TechnicianOut],
    summary="The people this incident may be assigned to",
)
def technicians(request: HttpRequest, incident_id: int) -> list[dict[str, str]]:
    incident = incidents.get_incident(scope_for(request.user), incident_id)
    return [
        {"username": u.username, "name": u.get_full_name() or u.username}
        for u in incidents.technicians(incident.province)
    ]


@router.post("/{incident_id}/assign", response=IncidentDetail, summary="Assign a technician")
def assign(request: HttpRequest, incident_id: int, payload: IncidentAssignIn) -> Incident:
    scope = scope_for(request.user)
    incidents.assign(scope, incident_id, payload.assignee)
    return incidents.get_incident(scope, incident_id)


@router.post("/{incident_id}/notes", response={201: NoteOut}, summary="Add a note")
def add_note(request: HttpRequest, incident_id: int, payload: NoteIn) -> Status:
    note = incidents.add_note(scope_for(request.user), request.user, incident_id, payload.text)
    return Status(201, note)


@router.post("/{incident_id}/resolve", response=IncidentDetail, summary="Resolve an incident")
def resolve(request: HttpRequest, incident_id: int, payload: ResolveIn) -> Incident:
    scope = scope_for(request.user)
    incidents.resolve(scope, request.user, incident_id, payload.resolution)
    return incidents.get_incident(scope, incident_id)
