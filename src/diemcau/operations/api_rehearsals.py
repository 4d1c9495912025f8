"""Rehearsals API: schedule, the site console's checks, readiness and the not-ready export."""

import datetime as dt
import io
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from diemcau.accounts.scopes import scope_for
from diemcau.operations import rehearsals
from diemcau.operations.models import Rehearsal, RehearsalSiteState
from diemcau.paging import PageQuery, limit_field

router = Router()


class RehearsalOut(Schema):
    id: int
    title: str
    unit: str
    unit_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    open: bool

    @staticmethod
    def resolve_unit(obj: Rehearsal) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Rehearsal) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_open(obj: Rehearsal) -> bool:
        return rehearsals.is_open(obj)


class RehearsalIn(Schema):
    title: str = Field(..., max_length=rehearsals.MAX_TITLE)
    starts_at: dt.datetime
    ends_at: dt.datetime
    unit: str = Field(..., max_length=32, description="Unit code: TW for the whole country")


class RehearsalQuery(PageQuery):
    open: bool | None = Field(None, description="Only rehearsals open now (true) or not (false)")
    limit: int = limit_field(100, 500)


class CheckIn(Schema):
    site: str = Field(..., max_length=32)
    server_ok: bool = Field(True, description="Ignored: the server sets it, the request arrived")
    stream_ok: bool
    sound_ok: bool
    note: str = Field("", max_length=500)


class CheckOut(Schema):
    site: str
    ready: bool
    checked_at: dt.datetime
    server_ok: bool
    stream_ok: bool
    sound_ok: bool
    note: str
    checks: int

    @staticmethod
    def resolve_site(obj: RehearsalSiteState) -> str:
        return obj.site.code

    @staticmethod
    def resolve_checked_at(obj: RehearsalSiteState) -> dt.datetime:
        return obj.at

    @staticmethod
    def resolve_server_ok(obj: RehearsalSiteState) -> bool:
        return True


class ReadinessUnitOut(Schema):
    code: str
    name: str
    level: str


class CountsOut(Schema):
    total: int
    ready: int
    failed: int
    never: int


class ReadinessChildOut(CountsOut):
    code: str
    name: str


class SiteReadiness(Schema):
    code: str
    name: str
    unit: str
    unit_name: str
    province_name: str
    state: str
    checked_at: dt.datetime | None
    stream_ok: bool | None
    sound_ok: bool | None
    note: str
    checks: int
    tech_name: str
    tech_phone: str


class ReadinessOut(Schema):
    rehearsal: RehearsalOut
    unit: ReadinessUnitOut
    parent: ReadinessUnitOut | None
    open: bool
    counts: CountsOut
    ready_percent: float
    children: list[ReadinessChildOut]
    sites: list[SiteReadiness] = Field(
        ..., description="Not-ready sites (failed first); every site at a commune"
    )
    sites_are_all: bool


class ReadinessQuery(Schema):
    unit: str | None = None
    limit: int = rehearsals.NOT_READY_LIMIT


@router.get("", response=list[RehearsalOut], summary="Rehearsals that touch your scope")
def list_rehearsals(request: HttpRequest, query: Query[RehearsalQuery]) -> list[Rehearsal]:
    qs = rehearsals.visible_rehearsals(scope_for(request.user))
    if query.open is not None:
        now = rehearsals.current_time()
        window = {"starts_at__lte": now, "ends_at__gte": now}
        qs = qs.filter(**window) if query.open else qs.exclude(**window)
    return list(qs[query.offset : query.offset + query.limit])


@router.post("", response={201: RehearsalOut}, summary="Schedule a rehearsal (organisers)")
def schedule(request: HttpRequest, payload: RehearsalIn) -> Status:
    rehearsal = rehearsals.schedule(
        scope_for(request.user),
        request.user,
        title=payload.title,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        unit_code=payload.unit,
    )
    return Status(201, rehearsal)


@router.get("/{rehearsal_id}", response=RehearsalOut, summary="One rehearsal")
def get_rehearsal(request: HttpRequest, rehearsal_id: int) -> Rehearsal:
    return rehearsals.get_rehearsal(scope_for(request.user), rehearsal_id)


@router.post(
    "/{rehearsal_id}/checks",
    response={201: CheckOut},
    summary="A site's check during the window (the site console calls this)",
)
def post_check(request: HttpRequest, rehearsal_id: int, payload: CheckIn) -> Status:
    state = rehearsals.record_check(
        scope_for(request.user),
        request.user,
        rehearsal_id,
        site_code=payload.site,
        stream_ok=payload.stream_ok,
        sound_ok=payload.sound_ok,
        note=payload.note,
    )
    return Status(201, state)


@router.get(
    "/{rehearsal_id}/readiness",
    response=ReadinessOut,
    summary="Ready / failed / never checked under a unit, drill-down and the sites not ready",
)
def readiness(
    request: HttpRequest, rehearsal_id: int, query: Query[ReadinessQuery]
) -> dict[str, Any]:
    return rehearsals.readiness(scope_for(request.user), rehearsal_id, query.unit, query.limit)


@router.get(
    "/{rehearsal_id}/not-ready.csv",
    response={200: None},
    summary="CSV of every site not ready under a unit",
)
def not_ready_csv(request: HttpRequest, rehearsal_id: int, unit: str | None = None) -> HttpResponse:
    return csv_response(request, rehearsal_id, unit)


def csv_response(request: HttpRequest, rehearsal_id: int, unit: str | None) -> HttpResponse:
    """Shared with the page's export link: same rows, same file name."""
    rows = rehearsals.not_ready_rows(scope_for(request.user), rehearsal_id, unit)
    out = io.StringIO()
    rehearsals.write_not_ready_csv(rows, out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    part = re.sub(r"[^A-Za-z0-9._-]", "", unit or "") or "all"
    name = f"chua-san-sang-{rehearsal_id}-{part}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
