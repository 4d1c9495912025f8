"""The report's tables on the technical side: rehearsals passed, stream outage during the
sessions, relay load. The figures are the operations and streaming apps' read-only services;
this module picks the windows and the node and lays the numbers out as tables.
"""

from typing import Any

from django.utils import timezone

from diemcau.accounts.scopes import Scope
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.operations import outages, readiness_figures
from diemcau.operations import timeline as ops_timeline
from diemcau.reports.tables import Figures, Table
from diemcau.reports.timelines import sessions_of
from diemcau.streaming.figures import relay_load
from diemcau.units.models import Kind, Level

HEALTH = {"up": "Hoạt động", "down": "Không truy cập được", "unknown": "Chưa kiểm tra"}


def rehearsals_table(scope: Scope, figures: Figures) -> None:
    total, children = readiness_figures.by_child(scope, figures.unit.code)

    def row(r: readiness_figures.Readiness) -> list[Any]:
        return [r.name, r.sites, r.ready, r.failed, r.never, r.ready_percent]

    figures.totals["rehearsal_passed"] = total.ready
    figures.tables.append(
        Table(
            "kiem-tra-ky-thuat",
            "Kiểm tra kỹ thuật (tổng duyệt)",
            ["Đơn vị", "Điểm cầu", "Đạt", "Không đạt", "Chưa kiểm tra", "Tỷ lệ đạt (%)"],
            [row(r) for r in children],
            ["Tổng số", *row(total)[1:]],
            note="Theo lần kiểm tra gần nhất của mỗi điểm cầu, trong mọi đợt kiểm tra kỹ thuật; "
            "đạt khi xem được tín hiệu và nghe rõ âm thanh.",
        )
    )


def outage_table(scope: Scope, figures: Figures) -> None:
    windows = [ops_timeline.session_window(s) for s in sessions_of(figures.session_id)]
    if not windows:
        return
    data = outages.outages(scope, figures.unit.code, windows, timezone.now())

    def row(o: outages.Outage) -> list[Any]:
        return [o.name, o.sites, o.minutes, o.median_minutes, o.p90_minutes]

    figures.totals["outage_sites"] = data.total.sites
    figures.tables.append(
        Table(
            "mat-ket-noi",
            "Thời gian mất tín hiệu của điểm cầu trong phiên",
            [
                "Đơn vị",
                "Điểm cầu bị mất tín hiệu",
                "Tổng số phút",
                "Trung vị (phút/điểm cầu)",
                "P90 (phút/điểm cầu)",
            ],
            [row(o) for o in data.children],
            ["Tổng số", *row(data.total)[1:]],
            note="Tính trong thời gian diễn ra phiên, từ lúc điểm cầu chuyển sang trạng thái mất "
            "kết nối đến lúc kết nối lại; chỉ liệt kê đơn vị có điểm cầu bị mất tín hiệu.",
        )
    )


def relay_table(scope: Scope, figures: Figures) -> None:
    """National infrastructure: for central callers, in the national report only."""
    unit = figures.unit
    if not (scope.everything or scope.reads_everything):
        return
    if not (unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE):
        return
    try:
        data = relay_load(scope)
    except (Forbidden, Invalid, NotFound):
        return
    rows: list[list[Any]] = [
        [
            r.code if r.name == r.code else f"{r.code} ({r.name})",
            r.sites,
            r.egress_mbps,
            r.capacity_mbps,
            r.used_percent,
            HEALTH.get(r.health, r.health),
        ]
        for r in data.relays
    ]
    total: list[Any] = [
        "Tổng số",
        sum(r.sites for r in data.relays),
        round(sum(r.egress_mbps for r in data.relays), 1),
        sum(r.capacity_mbps for r in data.relays),
        None,
        None,
    ]
    figures.tables.append(
        Table(
            "may-chu-chuyen-tiep",
            "Tải của máy chủ chuyển tiếp (relay)",
            [
                "Máy chủ",
                "Điểm cầu phục vụ",
                "Băng thông dự kiến (Mbit/s)",
                "Dung lượng (Mbit/s)",
                "Sử dụng (%)",
                "Tình trạng",
            ],
            rows,
            total,
            note=f"Luồng {data.stream}, chất lượng {data.rendition}; mỗi điểm cầu tính ở máy chủ "
            f"đầu tiên của nó. {data.direct_sites} điểm cầu nhận trực tiếp từ máy chủ gốc "
            f"(băng thông gốc dự kiến {data.origin_egress_mbps} Mbit/s).",
        )
    )
