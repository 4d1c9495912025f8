"""Compare the server's totals, read through its API, with the plan's own truth.

Each line is a figure the organisers would report upward: registered delegates, people checked
in (each person once, whatever was resent or scanned twice), headcounts (the latest report per
site), sites reporting, questions received (each once), silent sites flagged. Any difference is
a mismatch and makes `diemcau simulate` exit non-zero.
"""

from dataclasses import dataclass
from typing import Any

from diemcau.agent.http import JsonClient
from diemcau.simulation.driver import Tally
from diemcau.simulation.plan import Plan
from diemcau.simulation.prepare import Stage


@dataclass(frozen=True)
class Line:
    name: str
    expected: int
    got: int | None

    @property
    def ok(self) -> bool:
        return self.got == self.expected


def reconcile(client: JsonClient, stage: Stage, plan: Plan, tally: Tally) -> list[Line]:
    session = stage.session_id
    summary = _get(client, f"/api/v1/attendance/summary?session={session}")
    questions = _get(client, f"/api/v1/questions/?session={session}&limit=1")
    status = _get(client, "/api/v1/operations/status?worst=200")
    counts = status.get("counts", {})
    worst = {row.get("code"): row.get("state", row.get("st")) for row in status.get("worst", [])}
    statuses = tally.statuses
    resent = sum(1 for s in plan.scans if s[2] in plan.resent_sites)
    # A first-time scan answered "duplicate" on a retry was recorded by the try whose answer
    # a killed server never sent: accepted once, where it landed.
    accepted = sum(
        statuses.get(f"{kind}:{status}", 0)
        for kind in ("checkin", "checkin_late")
        for status in ("accepted", "duplicate_after_retry")
    )
    rejected = statuses.get("checkin:rejected", 0) + statuses.get("checkin_late:rejected", 0)
    lines = [
        Line("đại biểu đăng ký (registered)", stage.registered, summary.get("registered")),
        Line("đại biểu điểm danh (checked_in)", plan.expect_checked_in, summary.get("checked_in")),
        Line("lượt quét được nhận (accepted)", plan.expect_checked_in, accepted),
        Line("lượt quét bị từ chối (rejected)", plan.expect_rejected, rejected),
        # A resent scan is answered as before (duplicate, or the same rejection), never again
        # accepted.
        Line("lô gửi lại: không nhận thêm", 0, statuses.get("checkin_resend:accepted", 0)),
        Line(
            "lô gửi lại: được trả lời",
            resent,
            statuses.get("checkin_resend:duplicate", 0)
            + statuses.get("checkin_resend:rejected", 0),
        ),
        Line("số người dự báo cáo (headcount)", plan.expect_headcount, summary.get("headcount")),
        Line("điểm cầu có số liệu", plan.expect_reporting, summary.get("sites_reporting")),
        Line("câu hỏi nhận được", plan.expect_questions, questions.get("total")),
        # A silent site may have been online in an earlier run: never or offline, both flagged.
        Line(
            "điểm cầu im lặng (never + offline)",
            len(plan.silent) + len(plan.drop_at_end),
            counts.get("never", 0) + counts.get("offline", 0),
        ),
    ]
    if len(plan.drop_at_end) <= 200:
        flagged = sum(1 for c in plan.drop_at_end if worst.get(c) == "offline")
        lines.append(Line("điểm cầu bỏ dở được đánh dấu offline", len(plan.drop_at_end), flagged))
    # The national report (reports app) must tell the same story as the plan.
    totals = _get(client, f"/api/v1/reports/TW?session={session}").get("totals", {})
    lines += [
        Line("báo cáo: đại biểu điểm danh", plan.expect_checked_in, totals.get("checked_in")),
        Line("báo cáo: số người dự báo cáo", plan.expect_headcount, totals.get("headcount")),
        Line("báo cáo: câu hỏi", plan.expect_questions, totals.get("questions")),
    ]
    lines.append(Line("yêu cầu lỗi (HTTP/mạng)", 0, len(tally.errors)))
    return lines


def _get(client: JsonClient, path: str) -> dict[str, Any]:
    answer = client.request("GET", path)
    return answer.data if isinstance(answer.data, dict) else {}
