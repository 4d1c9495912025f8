"""The learning table: quiz, learning reports, completion and certificates by child unit.

The figures are the assessment app's (its per-site completion counters and its valid
certificates); this module only picks the conference the report is about and lays them out.
The conference is the one the report is about (choice.pick: the session's, or the one chosen);
one without assessment settings has no learning table, as a table the caller may not see.
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from diemcau.accounts.scopes import Scope
from diemcau.assessment.completion.services import learning
from diemcau.reports.tables import Figures, Table

KEYS = ("delegates", "quiz_passed", "report_graded", "completed", "certificates")


def percent(done: int, total: int) -> float:
    return round(100 * done / total, 1) if total else 0.0


def _row(name: str, c: dict[str, Any]) -> list[Any]:
    n = {k: int(c.get(k, 0) or 0) for k in KEYS}
    return [
        name,
        n["delegates"],
        n["quiz_passed"],
        percent(n["quiz_passed"], n["delegates"]),
        n["report_graded"],
        n["completed"],
        percent(n["completed"], n["delegates"]),
        n["certificates"],
    ]


def learning_table(scope: Scope, figures: Figures) -> None:
    conference_id = figures.conference_id
    if conference_id is None:
        return
    data = learning(scope, conference_id, figures.unit.code)
    rows = [_row(str(c["name"]), c) for c in data["children"]]
    total = _row(pgettext("report row", "Total"), data)
    figures.totals["completed"] = total[5]
    figures.totals["certificates"] = total[7]
    figures.tables.append(
        Table(
            "hoc-tap",
            _("Learning results"),
            [
                _("Unit"),
                _("Delegates"),
                _("Passed the quiz"),
                _("Quiz pass rate (%)"),
                _("Learning reports graded"),
                pgettext("report column", "Completed"),
                _("Completion rate (%)"),
                pgettext("report column", "Certificates issued"),
            ],
            rows,
            total,
            note=_(
                "Completed: attended enough sessions and passed the quiz and the learning report "
                "as the conference requires; certificates count those still valid (not "
                "revoked). Figures of the whole conference, even in a report of one session."
            ),
        )
    )
