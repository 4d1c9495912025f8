"""The learning reports' public surface: what the delegate's pages, other sub-packages, apps
and the data purge call.

Re-exports only; the rules live in reports.py (writing, uploading, reading in scope),
grading.py (queue, readings, assignment, the second-reading rule) and forwarding.py (an answer
sent to the questions pipeline).
"""

from diemcau.assessment.reflections.forwarding import send_to_questions
from diemcau.assessment.reflections.grading import (
    Assignment,
    Selection,
    assign,
    disputed,
    eligible_graders,
    grade,
    queue,
    settle,
    update_rule,
)
from diemcau.assessment.reflections.reports import (
    MAX_UPLOAD_BYTES,
    get_report,
    reflection_of,
    report_as_dict,
    reports_dir,
    save_text,
    upload,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "Assignment",
    "Selection",
    "assign",
    "disputed",
    "eligible_graders",
    "get_report",
    "grade",
    "queue",
    "reflection_of",
    "report_as_dict",
    "reports_dir",
    "save_text",
    "send_to_questions",
    "settle",
    "update_rule",
    "upload",
]
