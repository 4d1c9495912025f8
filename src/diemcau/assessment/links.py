"""The delegate's personal link ``/hoc-vien/<token>/``: a way in without an account.

The token signs the delegate code together with a digest of the delegate's badge secret, so a
badge revoked (new secret) also voids the old link, and the secret itself never leaves the
server. The badge QR payload (``DC1:<code>:<mac>``, delegates.badge_token) is accepted as a token
too, so scanning one's own badge with a phone opens the same page.
"""

import hashlib

from django.core import signing
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.delegates import badge_token
from diemcau.delegates.models import Delegate
from diemcau.errors import NotFound
from diemcau.sites.models import Site

SALT = "diemcau.assessment.delegate-link"


def secret_digest(secret: str) -> str:
    return hashlib.sha256(f"link:{secret}".encode()).hexdigest()[:12]


def token_for(delegate: Delegate) -> str:
    return signing.Signer(salt=SALT).sign(f"{delegate.code}.{secret_digest(delegate.secret)}")


def link_url(base_url: str, delegate: Delegate) -> str:
    return f"{base_url}/hoc-vien/{token_for(delegate)}/"


def managed_site(scope: Scope, site_code: str) -> Site:
    """A site whose delegates' links the caller may hand out: its operators' and its
    organisers' (the site write scope); any other site does not exist for them (404)."""
    write_q = scope.site_write_q()
    site = None if write_q is None else Site.objects.filter(write_q, code=site_code).first()
    if site is None:
        raise NotFound(_("Site “%(code)s” not found.") % {"code": site_code})
    return site


def site_links(scope: Scope, site_code: str, base_url: str) -> list[dict[str, str]]:
    """Each delegate's personal link at a site the caller manages, to hand out or print."""
    site = managed_site(scope, site_code)
    return [
        {"code": d.code, "name": d.full_name, "url": link_url(base_url, d)}
        for d in Delegate.objects.filter(site=site).order_by("full_name", "pk")
    ]


def delegate_for(token: str) -> Delegate | None:
    """The delegate a token opens, or None for a forged, stale or unknown one."""
    parsed = badge_token.parse(token)
    if parsed is not None and parsed[1] is not None:
        code, mac = parsed[0], parsed[1]
        delegate = Delegate.objects.select_related("site").filter(code=code).first()
        if delegate is not None and badge_token.verify(code, delegate.secret, mac):
            return delegate
        return None
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    code, _, digest = value.partition(".")
    delegate = Delegate.objects.select_related("site").filter(code=code).first()
    if delegate is None or secret_digest(delegate.secret) != digest:
        return None
    return delegate
