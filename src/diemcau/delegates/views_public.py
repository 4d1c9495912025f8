"""``/d/<code>.<mac>``: the address in a badge's QR code, opened by the delegate's phone camera.

It checks the badge and sends the phone on to the delegate's own pages (the learner pages,
which ask for the last four digits of the CCCD before showing anything). A forged, mistyped or
revoked badge is simply not found: 404, never a server error, and nothing said about why.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from diemcau.delegates import badge_token
from diemcau.delegates.models import Delegate


@require_GET
@never_cache
def badge_link(request: HttpRequest, token: str) -> HttpResponse:
    parsed = badge_token.parse(token) if "." in token else None
    if parsed is None or parsed[1] is None:
        raise Http404("badge")
    code, mac = parsed[0], parsed[1]
    secret = Delegate.objects.filter(code=code).values_list("secret", flat=True).first()
    if secret is None or not badge_token.verify(code, secret, mac):
        raise Http404("badge")
    # The learner pages take the same <code>.<mac> as their token (assessment.links).
    return redirect(reverse("learner:home", kwargs={"token": f"{code}.{mac}"}))
