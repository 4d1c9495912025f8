"""Learning reports API (under /api/v1/assessment): graders' queue, readings, assignment, rule.

Thin: grading.py, reports.py and forwarding.py decide scope and rules.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from diemcau.accounts.scopes import scope_for
from diemcau.assessment import services
from diemcau.assessment.access import get_conference
from diemcau.assessment.reflections import forwarding, grading
from diemcau.assessment.reflections import reports as reflections
from diemcau.assessment.services import MAX_SETTING
from diemcau.paging import PageQuery, limit_field, page_of

router = Router()


class GradeIn(Schema):
    score: int = Field(..., ge=0, le=MAX_SETTING)
    comment: str = ""


class QueueQuery(PageQuery):
    limit: int = limit_field(50, 500)
    mine: bool = False


@router.get("/conferences/{conference_id}/reports/queue")
def report_queue(
    request: HttpRequest, conference_id: int, query: Query[QueueQuery]
) -> dict[str, Any]:
    """The caller's queue: reports assigned to them first (`mine`: only those), then the
    unassigned ones, second readings included (never one's own first reading)."""
    scope = scope_for(request.user)
    prompts = services.read_settings(scope, conference_id).prompts
    body = page_of(grading.queue(scope, conference_id, mine=query.mine), query)
    return {
        "total": body["total"],
        "items": [reflections.report_as_dict(r, prompts) for r in body["items"]],
    }


@router.get("/conferences/{conference_id}/reports/disputed")
def disputed_reports(request: HttpRequest, conference_id: int) -> list[dict[str, Any]]:
    scope = scope_for(request.user)
    prompts = services.read_settings(scope, conference_id).prompts
    return [
        reflections.report_as_dict(r, prompts) for r in grading.disputed(scope, conference_id)[:500]
    ]


@router.get("/reports/{report_id}")
def get_report(request: HttpRequest, report_id: int) -> dict[str, Any]:
    scope = scope_for(request.user)
    report = reflections.get_report(scope, report_id)
    prompts = services.read_settings(scope, report.conference_id).prompts
    return reflections.report_as_dict(report, prompts)


def _graded(report: Any) -> dict[str, Any]:
    return {"id": report.pk, "status": report.status, "score": report.score}


@router.post("/reports/{report_id}/grade")
def grade_report(request: HttpRequest, report_id: int, data: GradeIn) -> dict[str, Any]:
    """A reading: the first, or the second when the report awaits one (see grading.py)."""
    return _graded(grading.grade(scope_for(request.user), report_id, data.score, data.comment))


@router.post("/reports/{report_id}/settle")
def settle_report(request: HttpRequest, report_id: int, data: GradeIn) -> dict[str, Any]:
    return _graded(grading.settle(scope_for(request.user), report_id, data.score, data.comment))


@router.post("/reports/{report_id}/answers/{index}/question")
def send_to_questions(request: HttpRequest, report_id: int, index: int) -> dict[str, Any]:
    """Idempotent: the same answer sent again answers with the question made the first time."""
    sent, made = forwarding.send_to_questions(
        scope_for(request.user), request.user, report_id, index
    )
    return {**forwarding.sent_as_dict(sent), "created": made}


class ReportAssignIn(Schema):
    count: int
    graders: list[int]
    stage: str = "submitted"
    site: str = ""
    unit: str = ""
    reassign: bool = False


@router.get("/conferences/{conference_id}/graders")
def graders(request: HttpRequest, conference_id: int) -> list[dict[str, Any]]:
    get_conference(conference_id)
    return grading.loads(scope_for(request.user), conference_id)


@router.post("/conferences/{conference_id}/reports/assign")
def assign_reports(
    request: HttpRequest, conference_id: int, data: ReportAssignIn
) -> dict[str, Any]:
    get_conference(conference_id)
    selection = grading.Selection(
        count=data.count, stage=data.stage, site=data.site, unit=data.unit, reassign=data.reassign
    )
    result = grading.assign(scope_for(request.user), conference_id, selection, data.graders)
    return result.as_dict()


class RuleIn(Schema):
    second_reading: bool
    second_reading_gap: int = Field(2, ge=0, le=MAX_SETTING)


@router.get("/conferences/{conference_id}/grading-rule")
def get_rule(request: HttpRequest, conference_id: int) -> dict[str, Any]:
    return grading.rule_as_dict(services.read_settings(scope_for(request.user), conference_id))


@router.put("/conferences/{conference_id}/grading-rule")
def put_rule(request: HttpRequest, conference_id: int, data: RuleIn) -> dict[str, Any]:
    conf = grading.update_rule(
        scope_for(request.user),
        conference_id,
        second_reading=data.second_reading,
        gap=data.second_reading_gap,
    )
    return grading.rule_as_dict(conf)
