"""Question bank API (under /api/v1/assessment): the listing, the XLSX template and its import.

Thin: bank.py reads and checks the file; access.py says who may.
"""

import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, UploadedFile

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.access import get_conference, require_central
from diemcau.assessment.quiz import bank as bank_io

router = Router()


@router.get("/conferences/{conference_id}/questions")
def list_questions(request: HttpRequest, conference_id: int) -> list[dict[str, Any]]:
    return [
        bank_io.question_as_dict(q) for q in bank_io.bank(scope_for(request.user), conference_id)
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
