"""Completion's public surface: what certificates, the delegate's pages, the reports app, the
attendance recount and the data purge call.

Re-exports only; the rules live in status.py (one delegate's status against the rule),
counters.py (per-site counters: marking stale, recounting), rollup.py (the figures under a
node of the tree) and figures.py (the reports' learning figures).
"""

from diemcau.assessment.completion.counters import (
    COLUMNS,
    FIGURES,
    count,
    mark_delegate,
    mark_sites,
    rebuild,
    refresh,
    refresh_stale,
)
from diemcau.assessment.completion.figures import learning
from diemcau.assessment.completion.rollup import rollup
from diemcau.assessment.completion.status import Status, rates, status_of, statuses

__all__ = [
    "COLUMNS",
    "FIGURES",
    "Status",
    "count",
    "learning",
    "mark_delegate",
    "mark_sites",
    "rates",
    "rebuild",
    "refresh",
    "refresh_stale",
    "rollup",
    "status_of",
    "statuses",
]
