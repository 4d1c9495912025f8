"""Pages anyone may open: certificate verification and the published public key.

The verification page shows the state, the conference, the date and the masked name, and
nothing else about the holder; it is also what the certificate's QR code opens.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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
    return render(
        request,
        "assessment/public_key.html",
        {"pem": signing.public_key_pem(), "raw_hex": signing.public_key_raw_hex()},
    )
