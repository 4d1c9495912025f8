"""The report's figures over time and per session: check-ins and incidents by time bucket, and
the sites connected during each session.

The numbers come from the attendance and operations apps' timeline services; this module only
chooses the buckets and lays the numbers out as tables, which the page, the PDF and the exports
draw like every other table (a table with `chart="timeline"` is drawn as columns over time).
"""

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from diemcau.accounts.scopes import Scope
from diemcau.attendance.timeline import checkins_per_minute
from diemcau.operations import timeline as ops_timeline
from diemcau.programme.models import Conference, Session
from diemcau.reports.tables import Figures, Table

STEPS_MIN = (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
MAX_BARS = 60  # still readable on A4 and on a phone
GROUP_NAMES = {
    "central": "Trung ương",
    "province": "Cấp tỉnh",
    "commune": "Cấp xã",
    "organisation": "Cơ quan, tổ chức",
}

Window = tuple[dt.datetime, dt.datetime]


def sessions_of(session_id: int | None) -> list[Session]:
    """The session asked for, or every session of the conference the report is about."""
    qs = Session.objects.select_related("day").order_by("day__date", "starts_at", "pk")
    if session_id is not None:
        return list(qs.filter(pk=session_id))
    conference = Conference.objects.order_by("-starts_on", "-pk").first()
    return list(qs.filter(day__conference=conference)) if conference else []


def _span(windows: Iterable[Window]) -> Window | None:
    windows = list(windows)
    if not windows:
        return None
    return min(w[0] for w in windows), max(w[1] for w in windows)


def buckets(window: Window, now: dt.datetime | None = None) -> list[Window]:
    """Equal buckets over the window (1, 5, 10, 15, 30, 60… minutes, at most MAX_BARS of them),
    on round clock times, none starting after `now`: a live report shows no future."""
    start, end = window
    minutes = max(1.0, (end - start).total_seconds() / 60)
    step = next((s for s in STEPS_MIN if minutes / s <= MAX_BARS), STEPS_MIN[-1])
    width = dt.timedelta(minutes=step)
    epoch_min = math.floor(start.timestamp() / 60)
    first = dt.datetime.fromtimestamp((epoch_min - epoch_min % step) * 60, tz=dt.UTC)
    out: list[Window] = []
    moment = first
    while moment < end and (now is None or moment <= now):
        out.append((moment, moment + width))
        moment += width
    return out


def _label(moment: dt.datetime, several_days: bool) -> str:
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.strftime("%d/%m %H:%M" if several_days else "%H:%M")


def _several_days(parts: list[Window]) -> bool:
    zone = ZoneInfo(settings.TIME_ZONE)
    return len({b[0].astimezone(zone).date() for b in parts}) > 1


def attendance_over_time(scope: Scope, figures: Figures) -> None:
    per_minute = checkins_per_minute(scope, figures.unit.code, figures.session_id)
    windows = [ops_timeline.session_window(s) for s in sessions_of(figures.session_id)]
    if per_minute:
        first, last = min(per_minute), max(per_minute)
        windows.append((first, last + dt.timedelta(minutes=1)))
    window = _span(windows)
    if window is None:
        return
    parts = buckets(window, timezone.now())
    several = _several_days(parts)
    minutes = sorted(per_minute.items())
    rows: list[list[Any]] = []
    running, i = 0, 0
    for start, end in parts:
        count = 0
        while i < len(minutes) and minutes[i][0] < end:
            count += minutes[i][1]  # the first bucket also takes anything before it
            i += 1
        running += count
        rows.append([_label(start, several), count, running])
    total = sum(per_minute.values())
    figures.tables.append(
        Table(
            "diem-danh-theo-gio",
            "Điểm danh theo thời gian",
            ["Thời điểm", "Điểm danh trong khoảng", "Cộng dồn"],
            rows,
            ["Tổng số", total, total],
            note="Theo giờ quét thẻ tại điểm cầu; điểm cầu chỉ báo cáo số lượng không có trong "
            "biểu đồ này.",
            chart="timeline",
        )
    )


def incidents_over_time(scope: Scope, figures: Figures) -> None:
    windows = [ops_timeline.session_window(s) for s in sessions_of(figures.session_id)]
    session_span = _span(windows) if figures.session_id is not None else None
    spans = ops_timeline.incident_spans(
        scope,
        figures.unit.code,
        since=session_span[0] if session_span else None,
        until=session_span[1] if session_span else None,
    )
    if spans and session_span is None:
        windows.append((spans[0][0], spans[-1][0] + dt.timedelta(minutes=1)))
    window = session_span or _span(windows)
    if window is None:
        return
    parts = buckets(window, timezone.now())
    several = _several_days(parts)
    rows: list[list[Any]] = []
    for start, end in parts:
        opened = sum(1 for o, _ in spans if start <= o < end)
        rows.append([_label(start, several), opened, ops_timeline.open_at(spans, end)])
    opened_in_window = sum(1 for o, _ in spans if window[0] <= o < window[1])
    figures.tables.append(
        Table(
            "su-co-theo-gio",
            "Sự cố theo thời gian",
            ["Thời điểm", "Sự cố mới", "Đang mở (cuối khoảng)"],
            rows,
            ["Tổng số", opened_in_window, None],
            chart="timeline",
        )
    )


def connections_per_session(scope: Scope, figures: Figures) -> None:
    sessions = sessions_of(figures.session_id)
    data = ops_timeline.connections(scope, figures.unit.code, sessions)
    several = len({s.day.date for s in sessions}) > 1
    titles = [
        f"Kết nối: {s.title}" + (f" ({s.day.date:%d/%m})" if several else "") for s in sessions
    ]
    rows: list[list[Any]] = []
    for group, name in GROUP_NAMES.items():
        rows.append(
            [
                name,
                data.sites[group],
                *[data.connected[s.pk][group] for s in sessions],
                data.never[group],
            ]
        )
    total = ["Tổng số", *[sum(r[i] for r in rows) for i in range(1, len(rows[0]))]]
    for session in sessions:
        figures.totals[f"connected_session_{session.pk}"] = sum(data.connected[session.pk].values())
    figures.tables.append(
        Table(
            "ket-noi-phien",
            "Điểm cầu kết nối trong từng phiên",
            ["Cấp", "Điểm cầu", *titles, "Chưa từng kết nối"],
            rows,
            total,
            note="Một điểm cầu được tính là đã kết nối với một phiên khi gửi tín hiệu (heartbeat) "
            "trong thời gian của phiên.",
        )
    )
