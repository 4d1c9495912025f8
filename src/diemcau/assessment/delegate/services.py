"""The delegate side's public surface: the pass behind a personal link, for tests, benches and
other apps that open a delegate's pages.

Re-exports only; the rules live in factor.py (the second factor and its pass cookie) and
access.py (what the delegate's pages and API both call).
"""

from diemcau.assessment.delegate.access import delegate_with_pass
from diemcau.assessment.delegate.factor import (
    COOKIE,
    address_limit,
    delegate_limit,
    issue_pass,
    may_confirm,
    pass_opens,
)

__all__ = [
    "COOKIE",
    "address_limit",
    "delegate_limit",
    "delegate_with_pass",
    "issue_pass",
    "may_confirm",
    "pass_opens",
]
