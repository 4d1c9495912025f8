"""Programme API: read the conference, sessions, topics, speakers and materials; download a
material for a site; organisers see which sites have not downloaded it. Writes are for central
organisers only (403 for everyone else)."""

import datetime as dt
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from diemcau.accounts.scopes import scope_for
from diemcau.programme import ical, materials, services
from diemcau.programme.models import (
    Conference,
    Format,
    Material,
    Session,
    SessionKind,
    SessionStatus,
    Topic,
)

router = Router()
MAX_COUNT = 100_000_000  # targets are counts of sites and people, far below this


class SpeakerOut(Schema):
    id: int
    name: str
    title: str
    organisation: str


class MaterialOut(Schema):
    id: int
    topic: int
    title: str
    kind: str
    filename: str
    size: int
    sha256: str
    version: int
    uploaded_at: dt.datetime
    download_url: str

    @staticmethod
    def resolve_topic(obj: Material) -> int:
        return obj.topic_id

    @staticmethod
    def resolve_download_url(obj: Material) -> str:
        return f"/api/v1/programme/materials/{obj.pk}/download"


class TopicOut(Schema):
    id: int
    session: int
    number: int
    title: str
    summary: str
    sector: str
    planned_minutes: int
    order: int
    is_sample: bool
    changed: bool
    speakers: list[SpeakerOut]
    materials: list[MaterialOut]

    @staticmethod
    def resolve_session(obj: Topic) -> int:
        return obj.session_id

    @staticmethod
    def resolve_changed(obj: Topic) -> bool:
        return obj.changed_at is not None

    @staticmethod
    def resolve_speakers(obj: Topic) -> list[Any]:
        return list(obj.speakers.all())

    @staticmethod
    def resolve_materials(obj: Topic) -> list[Any]:
        return list(obj.materials.all())


class SessionOut(Schema):
    id: int
    date: dt.date
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    chair: str
    status: SessionStatus = Field(
        ..., description="As stored: planned follows the clock, live or ended set by hand"
    )
    current_status: SessionStatus = Field(..., description="Now, by the clock or the override")
    kind: SessionKind
    conference: int
    changed: bool
    topics: list[TopicOut]

    @staticmethod
    def resolve_current_status(obj: Session) -> str:
        return obj.current_status

    @staticmethod
    def resolve_conference(obj: Session) -> int:
        return obj.day.conference_id

    @staticmethod
    def resolve_date(obj: Session) -> dt.date:
        return obj.day.date

    @staticmethod
    def resolve_starts_at(obj: Session) -> dt.datetime:
        return services.session_bounds(obj)[0]

    @staticmethod
    def resolve_ends_at(obj: Session) -> dt.datetime:
        return services.session_bounds(obj)[1]

    @staticmethod
    def resolve_changed(obj: Session) -> bool:
        return obj.changed_at is not None

    @staticmethod
    def resolve_topics(obj: Session) -> list[Any]:
        return list(obj.topics.all())


class DayOut(Schema):
    date: dt.date
    title: str
    sessions: list[SessionOut]

    @staticmethod
    def resolve_sessions(obj: Any) -> list[Any]:
        return list(obj.sessions.all())


class ConferenceOut(Schema):
    id: int
    slug: str
    name: str
    host: str
    starts_on: dt.date
    ends_on: dt.date
    format: Format
    target_sites: int
    target_delegates: int
    description: str
    published_at: dt.datetime | None


class AgendaOut(ConferenceOut):
    days: list[DayOut]


class ConferenceIn(Schema):
    slug: str = Field(..., max_length=80)
    name: str = Field(..., max_length=300)
    host: str = Field(..., max_length=255)
    starts_on: dt.date
    ends_on: dt.date
    format: Format = Format.HYBRID
    target_sites: int = Field(0, ge=0, le=MAX_COUNT)
    target_delegates: int = Field(0, ge=0, le=MAX_COUNT)
    description: str = ""


class TopicPatch(Schema):
    session: int | None = None
    number: int | None = Field(None, ge=1, le=1000)
    title: str | None = Field(None, max_length=500)
    summary: str | None = None
    sector: str | None = Field(None, max_length=120)
    planned_minutes: int | None = Field(None, ge=0, le=24 * 60)
    order: int | None = Field(None, ge=0, le=MAX_COUNT)
    speakers: list[int] | None = None


class SiteDownloads(Schema):
    code: str
    name: str
    downloads: int


class SiteRef(Schema):
    code: str
    name: str


class MaterialReport(Schema):
    material: MaterialOut
    downloaded: list[SiteDownloads]
    missing_total: int
    missing: list[SiteRef]


@router.get("/conferences", response=list[ConferenceOut], summary="Conferences")
def list_conferences(request: HttpRequest) -> Any:
    return list(services.conferences(scope_for(request.user)))


@router.post("/conferences", response={201: ConferenceOut}, summary="Create (central organisers)")
def create_conference(request: HttpRequest, payload: ConferenceIn) -> Status:
    return Status(201, services.create_conference(scope_for(request.user), payload.dict()))


@router.get("/conferences/{pk}", response=AgendaOut, summary="A conference with its agenda")
def get_conference(request: HttpRequest, pk: int) -> Any:
    scope = scope_for(request.user)
    conference: Conference = services.get_conference(scope, pk)
    days = services.agenda(scope, conference)
    return {**ConferenceOut.model_validate(conference).model_dump(), "days": days}


@router.get("/conferences/{pk}/agenda.ics", summary="The agenda as iCalendar (one event a session)")
def conference_ics(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    conference = services.get_conference(scope, pk)
    text = ical.agenda_ical(conference, services.agenda(scope, conference), request.get_host())
    return HttpResponse(text.encode(), content_type="text/calendar; charset=utf-8")


@router.get("/conferences/{pk}/agenda.pdf", summary="The printable agenda (PDF)")
def conference_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from diemcau.programme.pdf import agenda_pdf  # reportlab loads only when needed

    scope = scope_for(request.user)
    conference = services.get_conference(scope, pk)
    data = agenda_pdf(conference, services.agenda(scope, conference))
    return HttpResponse(data, content_type="application/pdf")


@router.get("/sessions/{pk}", response=SessionOut, summary="One session with its topics")
def get_session(request: HttpRequest, pk: int) -> Session:
    return services.get_session(scope_for(request.user), pk)


@router.get("/topics/{pk}", response=TopicOut, summary="One topic")
def get_topic(request: HttpRequest, pk: int) -> Topic:
    return services.get_topic(scope_for(request.user), pk)


@router.patch("/topics/{pk}", response=TopicOut, summary="Change or move a topic")
def update_topic(request: HttpRequest, pk: int, payload: TopicPatch) -> Topic:
    scope = scope_for(request.user)
    services.update_topic(scope, pk, payload.dict(exclude_unset=True))
    return services.get_topic(scope, pk)


@router.get("/speakers", response=list[SpeakerOut], summary="Speakers")
def list_speakers(request: HttpRequest) -> Any:
    return list(services.speakers(scope_for(request.user)))


@router.get("/speakers/{pk}", response=SpeakerOut, summary="One speaker")
def get_speaker(request: HttpRequest, pk: int) -> Any:
    return services.get_speaker(scope_for(request.user), pk)


@router.get("/materials/{pk}", response=MaterialOut, summary="One material")
def get_material(request: HttpRequest, pk: int) -> Material:
    return materials.get_material(scope_for(request.user), pk)


@router.get("/materials/{pk}/download", summary="Download a material for a site (counted)")
def download_material(request: HttpRequest, pk: int, site: str = "") -> FileResponse:
    material, handle = materials.download_material(scope_for(request.user), pk, site)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=material.filename,
        content_type=materials.CONTENT_TYPES[material.kind],
    )


@router.get(
    "/materials/{pk}/report",
    response=MaterialReport,
    summary="Downloads per site and sites that have not downloaded (organisers)",
)
def material_report(request: HttpRequest, pk: int, limit: int = 1000) -> dict[str, Any]:
    scope = scope_for(request.user)
    missing = materials.sites_missing(scope, pk)
    return {
        "material": materials.get_material(scope, pk),
        "downloaded": materials.download_counts(scope, pk),
        "missing_total": missing.count(),
        "missing": list(missing[: max(1, min(limit, 20_000))]),
    }
