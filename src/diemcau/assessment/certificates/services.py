"""The certificates' public surface: what the delegate's pages, other sub-packages and apps call.

Re-exports only; the rules live in issuing.py (issue, reissue, revoke, verify, a site's PDF),
signing.py (the Ed25519 code), pdf.py (drawing the page), template.py (the organiser's
template) and batch.py (a province's or the nation's certificates as a background job).
"""

from diemcau.assessment.certificates.batch import start as start_batch
from diemcau.assessment.certificates.issuing import (
    issue,
    issue_many,
    mask_name,
    new_certificate,
    page_of,
    pdf_of,
    public_base_url,
    reissue,
    revoke,
    site_pdf,
    valid_certificate,
    verify,
    verify_url,
)
from diemcau.assessment.certificates.pdf import CertificatePage, render
from diemcau.assessment.certificates.signing import (
    CodeFields,
    load_public_key,
    make_code,
    public_key_pem,
    verify_code,
)

__all__ = [
    "CertificatePage",
    "CodeFields",
    "issue",
    "issue_many",
    "load_public_key",
    "make_code",
    "mask_name",
    "new_certificate",
    "page_of",
    "pdf_of",
    "public_base_url",
    "public_key_pem",
    "reissue",
    "render",
    "revoke",
    "site_pdf",
    "start_batch",
    "valid_certificate",
    "verify",
    "verify_code",
    "verify_url",
]
