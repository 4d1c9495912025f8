"""Assessment API (/api/v1/assessment): organisers' side; the delegate's side is api_delegate.

Thin wrappers: every decision is in the services, scoped by accounts.scopes.
"""

import datetime as dt
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile

from diemcau.accounts.scopes import scope_for
from diemcau.assessment import bank as bank_io
from diemcau.assessment import (
    batch,
    certificates,
    certtemplate,
    completion,
    forwarding,
    grading,
    links,
    reflections,
    services,
    signing,
)
from diemcau.assessment.access import current_conference_id, get_conference, require_central
from diemcau.assessment.api_delegate import router as delegate_router
from diemcau.paging import PageQuery, limit_field, page_of

router = Router()
router.add_router("/me", delegate_router)


MAX_SETTING = 1_000_000  # every number of the settings is a count, a length or minutes


def _number() -> Any:
    """An optional whole number of the settings: 0 up to MAX_SETTING (the services say which
    must be at least 1, and that the pass mark is a percentage)."""
    return Field(None, ge=0, le=MAX_SETTING)


class SettingsIn(Schema):
    draw_size: int | None = _number()
    time_limit_minutes: int | None = _number()
    pass_percent: int | None = _number()
    max_attempts: int | None = _number()
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    prompts: list[str] | None = None
    min_chars: int | None = _number()
    max_chars: int | None = _number()
    report_due_at: dt.datetime | None = None
    report_max_score: int | None = _number()
    min_sessions: int | None = _number()
    require_quiz: bool | None = None
    min_report_score: int | None = _number()
    certificate_title: str | None = Field(None, max_length=200)
    signer_name: str | None = Field(None, max_length=200)
    signer_title: str | None = Field(None, max_length=200)


class GradeIn(Schema):
    score: int = Field(..., ge=0, le=MAX_SETTING)
    comment: str = ""


class ReasonIn(Schema):
    reason: str = ""


class BatchIn(Schema):
    conference: int
    unit: str


@router.get("/conferences/{conference_id}/settings")
def get_settings(request: HttpRequest, conference_id: int) -> dict[str, Any]:
    conf = services.read_settings(scope_for(request.user), conference_id)
    return services.settings_as_dict(conf)


@router.patch("/conferences/{conference_id}/settings")
def patch_settings(request: HttpRequest, conference_id: int, data: SettingsIn) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=True)
    conf = services.update_settings(scope_for(request.user), conference_id, values)
    return services.settings_as_dict(conf)


@router.get("/conferences/{conference_id}/questions")
def list_questions(request: HttpRequest, conference_id: int) -> list[dict[str, Any]]:
    return [
        services.question_as_dict(q) for q in services.bank(scope_for(request.user), conference_id)
    ]


@router.get("/template.xlsx")
def template(request: HttpRequest) -> HttpResponse:
    out = io.BytesIO()
    bank_io.write_template(out)
    response = HttpResponse(out.getvalue(), content_type=bank_io.CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-ngan-hang-cau-hoi.xlsx"'
    return response


@router.post("/conferences/{conference_id}/questions/import")
def import_questions(
    request: HttpRequest,
    conference_id: int,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    skip_bad: Form[bool] = False,
) -> dict[str, Any]:
    require_central(scope_for(request.user))
    conference = get_conference(conference_id)
    report = bank_io.import_bank(
        conference, file.file, file.name or "", dry_run=dry_run, skip_bad=skip_bad
    )
    return report.as_dict()


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


class TemplateIn(Schema):
    certificate_title: str | None = None
    certificate_body: str | None = None
    signer_name: str | None = None
    signer_title: str | None = None


@router.get("/conferences/{conference_id}/certificate-template")
def get_template(request: HttpRequest, conference_id: int) -> dict[str, Any]:
    return certtemplate.as_dict(certtemplate.read(scope_for(request.user), conference_id))


@router.patch("/conferences/{conference_id}/certificate-template")
def patch_template(request: HttpRequest, conference_id: int, data: TemplateIn) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    conf = certtemplate.update(scope_for(request.user), conference_id, values)
    return certtemplate.as_dict(conf)


# Registered before "…/{which}", which would take "preview.pdf" (and answer 405 to a GET).
@router.get("/conferences/{conference_id}/certificate-template/preview.pdf")
def preview_template(request: HttpRequest, conference_id: int) -> HttpResponse:
    data = certtemplate.preview_pdf(scope_for(request.user), conference_id)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="giay-chung-nhan-xem-thu.pdf"'
    return response


@router.post("/conferences/{conference_id}/certificate-template/{which}")
def upload_template_image(
    request: HttpRequest, conference_id: int, which: str, file: File[UploadedFile]
) -> dict[str, Any]:
    """`which`: emblem or seal; PNG or JPEG by content, at most 2 MB."""
    data = file.read(certtemplate.MAX_IMAGE_BYTES + 1)
    conf = certtemplate.save_image(scope_for(request.user), conference_id, which, data)
    return certtemplate.as_dict(conf)


@router.delete("/conferences/{conference_id}/certificate-template/{which}")
def remove_template_image(request: HttpRequest, conference_id: int, which: str) -> dict[str, Any]:
    conf = certtemplate.remove_image(scope_for(request.user), conference_id, which)
    return certtemplate.as_dict(conf)


@router.get("/completion")
def completion_rates(
    request: HttpRequest, unit: str | None = None, conference: int | None = None
) -> dict[str, Any]:
    """Completion under `unit` (the whole country by default) for `conference` (by default
    the newest one with a quiz or learning report)."""
    conference_id = conference or current_conference_id()
    return completion.rates(scope_for(request.user), conference_id, unit)


@router.post("/certificates/{certificate_id}/revoke")
def revoke(request: HttpRequest, certificate_id: int, data: ReasonIn) -> dict[str, Any]:
    cert = certificates.revoke(scope_for(request.user), certificate_id, data.reason)
    return {"id": cert.pk, "code": cert.code, "revoked_at": cert.revoked_at}


@router.post("/certificates/{certificate_id}/reissue")
def reissue(request: HttpRequest, certificate_id: int, data: ReasonIn) -> dict[str, Any]:
    cert = certificates.reissue(scope_for(request.user), certificate_id, data.reason)
    return {"id": cert.pk, "code": cert.code, "revoked_at": cert.revoked_at}


@router.get("/conferences/{conference_id}/sites/{site_code}/certificates.pdf")
def site_certificates(request: HttpRequest, conference_id: int, site_code: str) -> HttpResponse:
    data, _count = certificates.site_pdf(scope_for(request.user), conference_id, site_code)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="giay-chung-nhan-{site_code}.pdf"'
    return response


@router.post("/certificates/batch")
def certificate_batch(request: HttpRequest, data: BatchIn) -> dict[str, Any]:
    task = batch.start(scope_for(request.user), data.conference, data.unit)
    return {"task": str(task.pk), "status": task.status}


@router.get("/links")
def delegate_links(request: HttpRequest, site: str) -> list[dict[str, str]]:
    """Personal links of a site's delegates (operators and organisers of the site)."""
    return links.site_links(scope_for(request.user), site, certificates.public_base_url())


@router.get("/public-key", auth=None)
def public_key(request: HttpRequest) -> dict[str, Any]:
    return {
        "algorithm": "Ed25519",
        "pem": signing.public_key_pem(),
        "raw_hex": signing.public_key_raw_hex(),
        "code_format": "GCN1-<id>-<delegate code>-<conference id>-<YYYYMMDD>-<signature>",
        "signed_text": "the code up to (not including) its last dash, UTF-8",
        "signature_encoding": "Crockford base32 without padding",
    }


@router.get("/verify/{code}", auth=None)
def verify(request: HttpRequest, code: str) -> dict[str, Any]:
    return certificates.verify(code)
