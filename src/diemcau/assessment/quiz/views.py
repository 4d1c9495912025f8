"""Organisers' pages of the question bank: the XLSX import (with its report) and the template.

Thin: bank.py checks every row; access.py says who may.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.access import get_conference, require_central
from diemcau.assessment.quiz import bank as bank_io
from diemcau.audit.services import record_import
from diemcau.web.errors import domain_errors


@login_required
@require_POST
@domain_errors
def import_bank(request: HttpRequest, conference_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    require_central(scope)
    conference = get_conference(conference_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
        return redirect("assessment:overview", conference_id=conference_id)
    report = bank_io.import_bank(
        conference,
        upload,
        upload.name or "",
        dry_run=bool(request.POST.get("dry_run")),
        skip_bad=bool(request.POST.get("skip_bad")),
    )
    record_import("quiz_bank", report, scope=scope, filename=upload.name or "")
    return render(
        request, "assessment/import_report.html", {"conference": conference, "report": report}
    )


@login_required
def template(request: HttpRequest) -> HttpResponse:
    out = io.BytesIO()
    bank_io.write_template(out)
    response = HttpResponse(out.getvalue(), content_type=bank_io.CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-ngan-hang-cau-hoi.xlsx"'
    return response
