"""The learning table: quiz, learning reports, completion and certificates by child unit.

The figures are the assessment app's (its per-site completion counters and its valid
certificates); this module only picks the conference the report is about and lays them out.
The conference is the session's, or the newest one (as the headline and the timelines pick it);
one without assessment settings has no learning table, as a table the caller may not see.
"""

from typing import Any

from diemcau.accounts.scopes import Scope
from diemcau.assessment.figures import learning
from diemcau.programme.models import Conference, Session
from diemcau.reports.tables import Figures, Table

KEYS = ("delegates", "quiz_passed", "report_graded", "completed", "certificates")


def conference_of(session_id: int | None) -> int | None:
    if session_id is not None:
        return (
            Session.objects.filter(pk=session_id)
            .values_list("day__conference_id", flat=True)
            .first()
        )
    return Conference.objects.order_by("-starts_on", "-pk").values_list("pk", flat=True).first()


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
    conference_id = conference_of(figures.session_id)
    if conference_id is None:
        return
    data = learning(scope, conference_id, figures.unit.code)
    rows = [_row(str(c["name"]), c) for c in data["children"]]
    total = _row("Tổng số", data)
    figures.totals["completed"] = total[5]
    figures.totals["certificates"] = total[7]
    figures.tables.append(
        Table(
            "hoc-tap",
            "Kết quả học tập",
            [
                "Đơn vị",
                "Đại biểu",
                "Đạt bài kiểm tra",
                "Tỷ lệ đạt kiểm tra (%)",
                "Bài thu hoạch đã chấm",
                "Hoàn thành",
                "Tỷ lệ hoàn thành (%)",
                "Giấy chứng nhận đã cấp",
            ],
            rows,
            total,
            note="Hoàn thành: đủ số phiên tham dự, đạt bài kiểm tra và bài thu hoạch theo quy "
            "định của hội nghị; giấy chứng nhận tính các giấy còn hiệu lực (chưa bị thu hồi). "
            "Số liệu của cả hội nghị, kể cả khi báo cáo theo phiên.",
        )
    )
