"""Catch-up's public surface: what completion, the delegate's pages and the API call.

Re-exports only: watching.py (crediting reports), rule.py (the organiser's rule), followed.py
(sessions followed by recording), player.py (a delegate's recordings, playback and reports).
"""

from diemcau.assessment.catchup.followed import caught_up, watched, watched_minutes
from diemcau.assessment.catchup.player import playback_for, recordings_for, report
from diemcau.assessment.catchup.rule import rule_of, set_rule
from diemcau.assessment.catchup.watching import merge, record

__all__ = [
    "caught_up",
    "merge",
    "playback_for",
    "record",
    "recordings_for",
    "report",
    "rule_of",
    "set_rule",
    "watched",
    "watched_minutes",
]
