"""Attendance services, one import for callers in other apps (and the lead's import hooks).

The work lives in small modules: checkins.py (the scan batch), annulling.py, headcounts.py,
tallies.py (counters, refresh_registered) and summary.py.
"""

from diemcau.attendance.annulling import AnnulResult, annul
from diemcau.attendance.checkins import MAX_SCANS, BatchResult, ScanIn, ScanResult, record_scans
from diemcau.attendance.headcounts import HeadcountOut, headcount_history, report_headcount
from diemcau.attendance.summary import summary
from diemcau.attendance.tallies import refresh_registered

__all__ = [
    "MAX_SCANS",
    "AnnulResult",
    "BatchResult",
    "HeadcountOut",
    "ScanIn",
    "ScanResult",
    "annul",
    "headcount_history",
    "record_scans",
    "refresh_registered",
    "report_headcount",
    "summary",
]
