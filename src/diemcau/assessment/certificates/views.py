"""Organisers' certificate pages: the list, revoking and reissuing, a site's PDF, the batch job.

Thin: issuing.py and batch.py decide scope (404 outside, 403 for a write not allowed).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.access import get_conference, grader_sites
from diemcau.assessment.certificates import batch as batch_service
from diemcau.assessment.certificates import issuing as certificates
from diemcau.assessment.models import Certificate
from diemcau.errors import Invalid
from diemcau.web.errors import domain_errors


@login_required
@domain_errors
def certificate_list(request: HttpRequest, conference_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    conference = get_conference(conference_id)
    certs = (
        Certificate.objects.filter(
            conference_id=conference_id, delegate__site__in=grader_sites(scope).values("pk")
        )
        .select_related("delegate", "delegate__site")
        .order_by("-pk")[:100]
    )
    return render(
        request, "assessment/certificates.html", {"conference": conference, "certificates": certs}
    )


@login_required
@require_POST
@domain_errors
def revoke(request: HttpRequest, certificate_id: int) -> HttpResponse:
    cert = certificates.revoke(
        scope_for(request.user), certificate_id, request.POST.get("reason", "")
    )
    messages.success(request, _("Certificate revoked."))
    return redirect("assessment:certificates", conference_id=cert.conference_id)


@login_required
@require_POST
@domain_errors
def reissue(request: HttpRequest, certificate_id: int) -> HttpResponse:
    cert = certificates.reissue(
        scope_for(request.user), certificate_id, request.POST.get("reason", "")
    )
    messages.success(request, _("Certificate reissued."))
    return redirect("assessment:certificates", conference_id=cert.conference_id)


@login_required
@domain_errors
def site_pdf(request: HttpRequest, conference_id: int) -> HttpResponse:
    code = request.GET.get("site", "").strip()
    try:
        data, _count = certificates.site_pdf(
            scope_for(request.user), conference_id, code, certificates.public_base_url(request)
        )
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect("assessment:certificates", conference_id=conference_id)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="giay-chung-nhan-{code}.pdf"'
    return response


@login_required
@require_POST
@domain_errors
def batch(request: HttpRequest, conference_id: int) -> HttpResponse:
    task = batch_service.start(
        scope_for(request.user),
        conference_id,
        request.POST.get("unit", "").strip(),
        certificates.public_base_url(request),
    )
    return redirect("tasks:detail", task.pk)
