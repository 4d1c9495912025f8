"""The certificate template editor: text with fields, signer, emblem and seal, a preview PDF.

Thin: template.py checks the fields and the images; a refusal becomes a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.access import get_conference
from diemcau.assessment.certificates import template as certtemplate
from diemcau.errors import Invalid
from diemcau.web.errors import domain_errors


@login_required
@domain_errors
def edit(request: HttpRequest, conference_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    conference = get_conference(conference_id)
    if request.method == "POST":
        try:
            certtemplate.update(
                scope,
                conference_id,
                {k: request.POST.get(k, "") for k in certtemplate.TEXT_FIELDS},
            )
            messages.success(request, _("Saved."))
        except Invalid as exc:
            messages.error(request, exc.message)
            conf = certtemplate.read(scope, conference_id)
            return render(
                request,
                "assessment/certificate_template.html",
                {
                    "conference": conference,
                    "template": {**certtemplate.as_dict(conf), **request.POST.dict()},
                    "can_edit": scope.everything,
                },
                status=422,
            )
        return redirect("assessment:certificate_template", conference_id=conference_id)
    conf = certtemplate.read(scope, conference_id)
    return render(
        request,
        "assessment/certificate_template.html",
        {
            "conference": conference,
            "template": certtemplate.as_dict(conf),
            "can_edit": scope.everything,
        },
    )


@login_required
@require_POST
@domain_errors
def image(request: HttpRequest, conference_id: int, which: str) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        if request.POST.get("remove"):
            certtemplate.remove_image(scope, conference_id, which)
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise Invalid(_("Choose a file."))
            # One byte past the limit is enough to refuse a big file without reading it all.
            data = upload.read(certtemplate.MAX_IMAGE_BYTES + 1)
            certtemplate.save_image(scope, conference_id, which, data)
        messages.success(request, _("Saved."))
    except Invalid as exc:
        messages.error(request, exc.message)
    return redirect("assessment:certificate_template", conference_id=conference_id)


@login_required
@domain_errors
def preview(request: HttpRequest, conference_id: int) -> HttpResponse:
    data = certtemplate.preview_pdf(scope_for(request.user), conference_id)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="giay-chung-nhan-xem-thu.pdf"'
    return response
