"""Pages anyone may open: certificate verification and the published public key.

The verification page shows the state, the conference, the date and the masked name, and
nothing else about the holder; it is also what the certificate's QR code opens. /xac-minh/
itself has a box for a code typed from the paper (a GET form: the answer is the same page the
QR code opens, so it can be bookmarked or sent).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from diemcau.assessment.certificates import issuing as certificates
from diemcau.assessment.certificates import signing


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    result = certificates.verify(code)
    response = render(request, "assessment/verify.html", {"result": result, "code": code})
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def public_key(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("ma")
    error = ""
    if typed is not None:
        code = certificates.typed_code(typed)
        if code:
            return redirect("verification:verify", code=code)
        error = _("Type the code printed under the certificate's QR code.")
    return render(
        request,
        "assessment/public_key.html",
        {
            "pem": signing.public_key_pem(),
            "raw_hex": signing.public_key_raw_hex(),
            "typed": typed or "",
            "error": error,
        },
    )
