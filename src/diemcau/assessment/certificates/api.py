"""Certificates API (under /api/v1/assessment): the template, revoking and reissuing, a site's
PDF, the batch job, and the public key and verification anyone may call.

Thin: issuing.py, template.py and batch.py decide scope and rules.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, UploadedFile

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.certificates import batch, signing
from diemcau.assessment.certificates import issuing as certificates
from diemcau.assessment.certificates import template as certtemplate

router = Router()


class ReasonIn(Schema):
    reason: str = ""


class BatchIn(Schema):
    conference: int
    unit: str


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
    data, _count = certificates.site_pdf(
        scope_for(request.user), conference_id, site_code, certificates.public_base_url(request)
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="giay-chung-nhan-{site_code}.pdf"'
    return response


@router.post("/certificates/batch")
def certificate_batch(request: HttpRequest, data: BatchIn) -> dict[str, Any]:
    base = certificates.public_base_url(request)
    task = batch.start(scope_for(request.user), data.conference, data.unit, base)
    return {"task": str(task.pk), "status": task.status}


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
