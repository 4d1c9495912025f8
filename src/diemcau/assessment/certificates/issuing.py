"""Certificates (giấy chứng nhận): issued on demand to delegates who completed, kept, verifiable.

A certificate row and its signed code are made the first time someone asks (the delegate, their
site's operator printing the site, a province batch); its PDF is drawn then and kept on disk, so
the next download is a file read. Revoking keeps the row (its code must keep answering
"revoked"); reissuing revokes and makes a new row with a new code.
"""

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau import publicurl
from diemcau.accounts.scopes import Scope
from diemcau.assessment.access import get_conference, grader_sites
from diemcau.assessment.certificates import pdf as certpdf
from diemcau.assessment.certificates import signing
from diemcau.assessment.completion.services import status_of, statuses
from diemcau.assessment.conference_settings import settings_for
from diemcau.assessment.models import DEFAULT_CERTIFICATE_BODY, Certificate
from diemcau.delegates import purge
from diemcau.delegates.models import Delegate
from diemcau.errors import Invalid, NotFound
from diemcau.sites.models import Site

VALID, REVOKED, UNKNOWN = "valid", "revoked", "unknown"
MAX_CODE_CHARS = 200  # Certificate.code's length


def certificates_dir() -> Path:
    return Path(settings.DATA_DIR) / "assessment" / "certificates"


def public_base_url(request: HttpRequest | None = None) -> str:
    """Where a certificate's QR code points (publicurl: the public address, or the one the
    request came in on when none is set)."""
    return publicurl.base(request)


def verify_url(code: str, base: str | None = None) -> str:
    return f"{base or publicurl.base()}/xac-minh/{code}/"


def typed_code(text: str) -> str:
    """A code as someone typed or pasted it: spaces and line breaks dropped, upper case, the
    verification address around it (what the QR code opens) taken off; "" if nothing of a code
    is left. Only letters, digits and dashes remain, so the result is always a valid address."""
    text = text.strip()
    if "/xac-minh/" in text:
        text = text.split("/xac-minh/", 1)[1]
    text = "".join(text.split()).strip("/").upper()
    return re.sub(r"[^A-Z0-9-]", "", text)[:MAX_CODE_CHARS]


def mask_name(full_name: str) -> str:
    """ "Nguyễn Văn An" → "Nguyễn V. A.": the family name and initials, nothing more."""
    words = full_name.split()
    if not words:
        return ""
    return " ".join([words[0], *(f"{w[0].upper()}." for w in words[1:])])


# -- issuing ----------------------------------------------------------------------------------
def valid_certificate(delegate: Delegate, conference_id: int) -> Certificate | None:
    return Certificate.objects.filter(
        delegate=delegate, conference_id=conference_id, revoked_at__isnull=True
    ).first()


def new_certificate(
    delegate: Delegate, conference_id: int, today: dt.date, holder_name: str | None = None
) -> Certificate:
    with transaction.atomic():
        cert = Certificate.objects.create(
            conference_id=conference_id,
            delegate=delegate,
            holder_name=delegate.full_name if holder_name is None else holder_name,
            issued_on=today,
            code=f"pending-{delegate.pk}-{conference_id}-{timezone.now().timestamp()}",
        )
        cert.code = signing.make_code(
            signing.CodeFields(cert.pk, delegate.code, conference_id, today)
        )
        Certificate.objects.filter(pk=cert.pk).update(code=cert.code)
    return cert


def issue(delegate: Delegate, conference_id: int, today: dt.date | None = None) -> Certificate:
    """The delegate's valid certificate, made now if they completed and have none."""
    found = valid_certificate(delegate, conference_id)
    if found is not None:
        return found
    if not status_of(delegate, conference_id).complete:
        raise Invalid(_("The delegate has not completed the conference yet."))
    try:
        return new_certificate(delegate, conference_id, today or timezone.localdate())
    except IntegrityError:  # made meanwhile by another request
        found = valid_certificate(delegate, conference_id)
        assert found is not None
        return found


def page_of(cert: Certificate, base: str | None = None) -> certpdf.CertificatePage:
    """The certificate drawn from the conference's template (template.py); its QR code opens
    `base`/xac-minh/<code>/ (publicurl.base() when not given)."""
    from diemcau.assessment.certificates import template as certtemplate

    conference = cert.conference
    conf = settings_for(cert.conference_id)
    body = conf.certificate_body or DEFAULT_CERTIFICATE_BODY
    values = {
        "ho_ten": cert.holder_name,
        "hoi_nghi": conference.name,
        "to_chuc": conference.host,
        "ngay": certtemplate.date_text(cert.issued_on),
    }
    if "{don_vi}" in body or "{chuc_vu}" in body:  # the delegate row only when printed
        delegate = cert.delegate
        values["don_vi"] = delegate.workplace or delegate.site.name
        values["chuc_vu"] = delegate.position
    return certpdf.CertificatePage(
        title=conf.certificate_title,
        holder_name=cert.holder_name,
        conference=conference.name,
        host=conference.host,
        issued_on=cert.issued_on,
        signer_name=conf.signer_name,
        signer_title=conf.signer_title,
        verify_url=verify_url(cert.code, base),
        code=cert.code,
        body=certtemplate.body_lines(body, values),
        emblem=certtemplate.image_path(conf.certificate_emblem),
        seal=certtemplate.image_path(conf.certificate_seal),
    )


def kept_name(cert: Certificate, base: str) -> str:
    """Where the PDF drawn for `base` is kept: the address is part of the name, so a PDF kept
    with one address (say the organiser's 10.x test before DIEMCAU_PUBLIC_URL was set) is
    redrawn, not handed out again, once links start from another."""
    digest = hashlib.sha256(base.encode()).hexdigest()[:8]
    return f"{cert.conference_id}/{cert.pk}-{digest}.pdf"


def pdf_of(cert: Certificate, base: str | None = None) -> bytes:
    """The kept PDF, drawn the first time (its QR code with `base`, see page_of)."""
    base = base or publicurl.base()
    relative = kept_name(cert, base)
    if cert.pdf_path == relative:
        path = certificates_dir() / relative
        if path.exists():
            return path.read_bytes()
    data = certpdf.render([page_of(cert, base)], title=cert.holder_name)
    path = certificates_dir() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if cert.pdf_path and cert.pdf_path != relative:  # drawn for another address: not kept
        (certificates_dir() / cert.pdf_path).unlink(missing_ok=True)
    Certificate.objects.filter(pk=cert.pk).update(pdf_path=relative)
    cert.pdf_path = relative
    return data


def issue_many(delegates: Iterable[Delegate], conference_id: int) -> list[Certificate]:
    """Certificates for those of `delegates` who completed (kept ones reused)."""
    people = list(delegates)
    done = statuses([d.pk for d in people], conference_id)
    kept = {
        c.delegate_id: c
        for c in Certificate.objects.filter(
            delegate_id__in=[d.pk for d in people],
            conference_id=conference_id,
            revoked_at__isnull=True,
        )
    }
    today = timezone.localdate()
    result = []
    for d in people:
        if d.pk in kept:
            result.append(kept[d.pk])
        elif done[d.pk].complete:
            result.append(new_certificate(d, conference_id, today))
    return result


def site_pdf(
    scope: Scope, conference_id: int, site_code: str, base: str | None = None
) -> tuple[bytes, int]:
    """One printable PDF of every certificate of a site; (pdf, number of pages)."""
    site = grader_sites(scope).filter(code=site_code).first()
    if site is None and scope.operator_site_ids:  # an operator prints their own site
        site = Site.objects.filter(pk__in=scope.operator_site_ids, code=site_code).first()
    if site is None:
        raise NotFound(_("Site “%(code)s” not found.") % {"code": site_code})
    conference = get_conference(conference_id)
    people = list(Delegate.objects.filter(site=site).order_by("full_name", "pk"))
    certs = issue_many(people, conference_id)
    by_pk = {d.pk: d for d in people}
    for d in people:
        d.site = site
    for c in certs:
        c.conference = conference
        c.delegate = by_pk[c.delegate_id]
    if not certs:
        raise Invalid(_("No delegate of this site has completed the conference yet."))
    return certpdf.render([page_of(c, base) for c in certs], title=site.name), len(certs)


# -- revoking ---------------------------------------------------------------------------------
def get_certificate(scope: Scope, certificate_id: int) -> Certificate:
    cert = (
        Certificate.objects.select_related("delegate", "conference")
        .filter(pk=certificate_id, delegate__site__in=grader_sites(scope).values("pk"))
        .first()
    )
    if cert is None:
        raise NotFound(_("Certificate not found."))
    return cert


def revoke(scope: Scope, certificate_id: int, reason: str) -> Certificate:
    cert = get_certificate(scope, certificate_id)
    if cert.revoked_at is None:
        cert.revoked_at = timezone.now()
        cert.revoke_reason = reason.strip()[:255]
        cert.save(update_fields=["revoked_at", "revoke_reason"])
    return cert


def reissue(scope: Scope, certificate_id: int, reason: str = "") -> Certificate:
    """Revoke and make a new certificate with a new code (e.g. the name was misspelt).

    Only the delegate's valid certificate, or a revoked one while they hold none, is reissued: a
    certificate already replaced (or superseded by another valid one) is refused with the code
    to reissue instead, as is a second request racing this one (one valid certificate per
    delegate and conference is a database constraint).
    """
    with transaction.atomic():
        old = get_certificate(scope, certificate_id)
        current = (
            Certificate.objects.filter(
                delegate_id=old.delegate_id, conference_id=old.conference_id, revoked_at=None
            )
            .exclude(pk=old.pk)
            .first()
        )
        if current is not None:
            message = _(
                "This certificate has already been replaced by %(code)s: reissue that one."
            ) % {"code": current.code}
            raise Invalid(message, {"certificate": current.code})
        old = revoke(scope, certificate_id, reason or _("Reissued"))
        old.delegate.refresh_from_db()
        # After the personal data were erased the delegate's name reads “[đã xoá]”: the new
        # certificate carries the name the old one was issued to.
        kept = old.holder_name if purge.is_erased(old.delegate) else None
        try:
            new = new_certificate(old.delegate, old.conference_id, timezone.localdate(), kept)
        except IntegrityError:  # the Invalid below rolls the revocation back too
            raise Invalid(
                _("This certificate has just been reissued by someone else: reload the list.")
            ) from None
        Certificate.objects.filter(pk=old.pk).update(replaced_by=new)
    return new


# -- verification -----------------------------------------------------------------------------
def verify(code: str) -> dict[str, Any]:
    """What the public page shows: the state, the conference, the date, the masked name."""
    fields = signing.verify_code(code)
    if fields is None:
        return {"status": UNKNOWN}
    cert = (
        Certificate.objects.select_related("conference")
        .filter(pk=fields.certificate_id)
        .only("code", "holder_name", "issued_on", "revoked_at", "conference__name")
        .first()
    )
    if cert is None or cert.code != code.strip().upper():
        return {"status": UNKNOWN}
    return {
        "status": REVOKED if cert.revoked_at else VALID,
        "conference": cert.conference.name,
        "issued_on": cert.issued_on,
        "holder": mask_name(cert.holder_name),
    }
