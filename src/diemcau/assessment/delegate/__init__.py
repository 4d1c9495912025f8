"""The delegate's own side behind the personal link /hoc-vien/<token>/ (no account).

- factor.py: the second factor (last four digits of the CCCD) and its pass cookie;
- access.py: what the delegate's pages and API both call (the pass, their conferences);
- views.py, api.py: the delegate's pages and API (/api/v1/assessment/me/…), and the links
  organisers hand out (assembled by assessment.api/urls; wsgi.py wraps the quiz submission);
- sheets.py, views_links.py: a site's links as a printable sheet (PDF, a QR code per delegate)
  and as XLSX, for its operators and organisers (/assessment/links/).

The link itself (assessment/links.py) sits below every sub-package, since the quiz's fast
submission reads it too. Public surface: `delegate.services`. This file imports nothing, like
the other sub-packages' (no services loaded at import time).
"""
