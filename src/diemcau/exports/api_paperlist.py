"""A paper sign-in list sent by a program: judged (dry run, the default) or recorded at once.

100,000 rows take a few seconds (bench/bench_paperlist.py), so the API answers in the request;
pages run the same service as a background task with progress.
"""

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from diemcau.accounts.scopes import scope_for
from diemcau.api_errors import ErrorOut
from diemcau.attendance import paperlist
from diemcau.audit.services import record_import

router = Router()


class PaperListRowErrorOut(Schema):
    row: int = Field(..., description="The row number as Excel shows it")
    reason: str


class PaperListOut(Schema):
    filename: str
    dry_run: bool
    written: bool
    rows: int
    recorded: int = Field(..., description="New check-ins (a dry run: that would be recorded)")
    already: int = Field(..., description="Present before (a scan, an earlier list) or twice")
    bad: int
    errors: list[PaperListRowErrorOut]
    errors_truncated: bool
    summary: str


@router.post(
    "",
    response={200: PaperListOut, 422: ErrorOut},
    summary="Check in the people of a paper sign-in list (XLSX or CSV); a dry run by default",
)
def import_paper_list(
    request: HttpRequest,
    file: File[UploadedFile],
    session: Form[int | None] = None,
    dry_run: Form[bool] = True,
) -> Status[Any]:
    scope = scope_for(request.user)
    report = paperlist.import_list(
        scope,
        file,
        session=session,
        filename=file.name,
        dry_run=dry_run,
        user_id=request.user.pk,
    )
    if report.fatal:
        return Status(422, {"detail": report.fatal, "fields": {"file": report.fatal}})
    record_import("attendance-list", report, scope=scope, filename=file.name or "")
    return Status(200, report.as_dict())
