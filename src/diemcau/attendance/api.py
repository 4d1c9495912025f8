"""Attendance API: the check-in batch (hot path), annulment, headcounts and the summary.

Thin: parsing and shaping only; the services decide. The batch answers with a hand-made JSON
body (the 1,000 results need no second validation pass); its schema is still in the OpenAPI
document.
"""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel, Field, ValidationError

from diemcau.accounts.auth import SessionLogin
from diemcau.accounts.scopes import scope_for
from diemcau.attendance import reasons, services
from diemcau.attendance import summary as summary_module
from diemcau.errors import Invalid
from diemcau.metrics.instruments import CHECKINS
from diemcau.operations.api import bearer

checkins_router = Router(auth=[bearer, SessionLogin()])
headcounts_router = Router()
router = Router()

CHECKIN_DOC = (
    "Record up to 1,000 scans from a site console (its offline queue). Idempotent on `id`: a "
    "resend changes nothing and is reported `duplicate` with the delegate first recorded. "
    "Each bad scan is rejected with a reason; the batch never fails for one scan. Only "
    "accepted scans are kept, so a rejected scan sent again is judged again.\n\n"
    "A delegate scanned (QR) at a site other than their own is accepted with "
    "`other_site: true` and counts at the scanning site only (as a guest there); their own "
    "site does not count them, so no total counts a person twice in a session.\n\n"
    "Ids: any UUID; time-ordered UUIDv7 are preferred (they keep the id index append-only: "
    "about 1.6× less server work per scan at 1.5 million check-ins than random UUIDv4).\n\n"
    + reasons.table_markdown()
)


class ScanSchema(BaseModel):
    """Loose types on purpose: a malformed scan is rejected alone (`invalid`), not the batch."""

    id: str = Field("", description="UUID made by the console when it scanned")
    badge: str = Field("", description="Scanned text: QR payload DC1:<code>:<mac> or a typed code")
    site: str = Field("", description="Code of the site where it was scanned")
    session: int | str | None = Field(None, description="Session id")
    scanned_at: str = Field("", description="ISO 8601 with time zone")


class CheckInBatch(BaseModel):
    """A plain pydantic model, validated straight from the bytes: ~1 ms for 1,000 scans where
    ninja's Schema (with its per-object Django getter) takes ~9 ms."""

    scans: list[ScanSchema] = Field(..., min_length=1, max_length=services.MAX_SCANS)


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its nested models inlined: pydantic's `#/$defs/…`
    references would not resolve inside the OpenAPI document."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    text = json.dumps(schema)
    for name, definition in defs.items():
        text = text.replace(json.dumps({"$ref": f"#/$defs/{name}"}), json.dumps(definition))
    result: dict[str, Any] = json.loads(text)
    return result


class ScanResultOut(Schema):
    id: str
    status: str = Field(..., description="accepted | duplicate | rejected")
    reason: str | None
    delegate: str | None
    full_name: str
    other_site: bool


class CheckInBatchOut(Schema):
    accepted: int
    duplicates: int
    rejected: int
    results: list[ScanResultOut]


@checkins_router.post(
    "",
    response=CheckInBatchOut,
    summary="Record a batch of scans",
    description=CHECKIN_DOC,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_schema(CheckInBatch)}},
        }
    },
)
def post_checkins(request: HttpRequest) -> Any:
    try:
        batch = CheckInBatch.model_validate_json(request.body)
    except ValidationError as exc:
        raise Invalid(
            _('The batch must be {"scans": [...]} with 1 to %(max)s scans.')
            % {"max": services.MAX_SCANS},
            {".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.errors()[:20]},
        ) from None
    outcome = services.record_scans(
        scope_for(request.user),
        [services.ScanIn(s.id, s.badge, s.site, s.session, s.scanned_at) for s in batch.scans],
        user_id=request.user.pk,
    )
    for status in ("accepted", "duplicate", "rejected"):
        if n := outcome.count(status):
            CHECKINS.labels(status).inc(n)
    results = [
        {
            "id": r.id,
            "status": r.status,
            "reason": r.reason,
            "delegate": r.delegate,
            "full_name": r.full_name,
            "other_site": r.other_site,
        }
        for r in outcome.results
    ]
    body = {
        "accepted": outcome.count("accepted"),
        "duplicates": outcome.count("duplicate"),
        "rejected": outcome.count("rejected"),
        "results": results,
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        content_type="application/json",
    )


class AnnulIn(Schema):
    ids: list[str] = Field(..., min_length=1, max_length=1000)
    reason: str = Field("", max_length=255)


class AnnulResultOut(Schema):
    id: str
    status: str = Field(..., description="annulled | already_annulled | not_found | forbidden")


@checkins_router.post(
    "/annul",
    response=list[AnnulResultOut],
    summary="Annul check-ins: they stop counting and the delegate may check in again",
)
def post_annul(request: HttpRequest, body: AnnulIn) -> list[dict[str, str]]:
    done = services.annul(scope_for(request.user), body.ids, body.reason)
    return [{"id": r.id, "status": r.status} for r in done]


class HeadcountIn(Schema):
    id: str = Field(..., description="UUID made by the console")
    session: int
    count: int = Field(..., ge=0, le=100_000)
    note: str = Field("", max_length=500)


class HeadcountOut(Schema):
    id: str
    session: int
    count: int
    note: str
    reported_at: Any
    reported_by: str | None
    current: bool


class HeadcountCreated(HeadcountOut):
    duplicate: bool = False


def _headcount(h: services.HeadcountOut) -> dict[str, Any]:
    return {
        "id": str(h.id),
        "session": h.session,
        "count": h.count,
        "note": h.note,
        "reported_at": h.reported_at,
        "reported_by": h.reported_by,
        "current": h.current,
    }


@headcounts_router.post(
    "/{code}/headcounts",
    response={200: HeadcountCreated, 201: HeadcountCreated},
    summary="Report the site's headcount for a session (the newest report is current)",
)
def post_headcount(request: HttpRequest, code: str, body: HeadcountIn) -> Any:
    h = services.report_headcount(
        scope_for(request.user),
        code,
        id=body.id,
        session_id=body.session,
        count=body.count,
        note=body.note,
        user_id=request.user.pk,
    )
    if h.duplicate:
        return Status(200, {**_headcount(h), "duplicate": True})
    return Status(201, _headcount(h))


class HistoryQuery(Schema):
    session: int | None = None


@headcounts_router.get(
    "/{code}/headcounts",
    response=list[HeadcountOut],
    summary="The site's headcount reports, newest first",
)
def get_headcounts(request: HttpRequest, code: str, query: Query[HistoryQuery]) -> Any:
    history = services.headcount_history(scope_for(request.user), code, query.session)
    return [_headcount(h) for h in history]


class SummaryUnitOut(Schema):
    code: str
    name: str
    level: str


class SummaryChildOut(SummaryUnitOut):
    registered: int
    checked_in: int
    other_site: int
    headcount: int
    present: int
    sites: int
    sites_reporting: int


class AttendanceSummaryOut(Schema):
    unit: SummaryUnitOut
    session: int | None
    registered: int
    checked_in: int
    other_site: int
    headcount: int
    present: int
    sites: int
    sites_reporting: int
    children: list[SummaryChildOut]


class SummaryQuery(Schema):
    unit: str | None = None
    session: int | None = None


@router.get(
    "/summary",
    response=AttendanceSummaryOut,
    summary="Attendance under a unit: registered, checked in, headcounts, present",
    description=summary_module.__doc__ or "",
)
def get_summary(request: HttpRequest, query: Query[SummaryQuery]) -> dict[str, Any]:
    return services.summary(scope_for(request.user), query.unit, query.session)
