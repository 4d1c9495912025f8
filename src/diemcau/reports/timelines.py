"""The report's figures over time and per session: check-ins and incidents by time bucket, and
the sites connected during each session.

The numbers come from the attendance and operations apps' timeline services; this module only
chooses the buckets and lays the numbers out as tables, which the page, the PDF and the exports
draw like every other table (a table with `chart="timeline"` is drawn as columns over time).
"""

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from diemcau.accounts.scopes import Scope
from diemcau.attendance.timeline import checkins_per_minute
from diemcau.operations import timeline as ops_timeline
from diemcau.programme.models import Session
from diemcau.reports.tables import Figures, Table

STEPS_MIN = (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
MAX_BARS = 60  # still readable on A4 and on a phone


def group_names() -> dict[str, str]:
    return {
        "central": pgettext("report level", "Central"),
        "province": pgettext("report level", "Province level"),
        "commune": pgettext("report level", "Commune level"),
        "organisation": pgettext("unit kind", "Agencies and organisations"),
    }


Window = tuple[dt.datetime, dt.datetime]


def sessions_of(session_id: int | None, conference_id: int | None) -> list[Session]:
    """The session asked for, or every session of the conference the report is about."""
    qs = Session.objects.select_related("day").order_by("day__date", "starts_at", "pk")
    if session_id is not None:
        return list(qs.filter(pk=session_id))
    return list(qs.filter(day__conference_id=conference_id)) if conference_id else []


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
    return f"{local.day}/{local.month} {local:%H:%M}" if several_days else f"{local:%H:%M}"


def _several_days(parts: list[Window]) -> bool:
    zone = ZoneInfo(settings.TIME_ZONE)
    return len({b[0].astimezone(zone).date() for b in parts}) > 1


def attendance_over_time(scope: Scope, figures: Figures) -> None:
    sessions = sessions_of(figures.session_id, figures.conference_id)
    # A conference's report counts its own sessions' check-ins, not another conference's held
    # in the same database; with neither chosen, every check-in.
    chosen = (
        [s.pk for s in sessions]
        if figures.session_id is not None or figures.conference_id
        else None
    )
    per_minute = checkins_per_minute(scope, figures.unit.code, chosen)
    windows = [ops_timeline.session_window(s) for s in sessions]
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
            _("Check-ins over time"),
            [pgettext("report column", "Time"), _("Check-ins in the interval"), _("Running total")],
            rows,
            [pgettext("report row", "Total"), total, total],
            note=_(
                "By the time badges were scanned at the sites; sites that only report a count "
                "are not in this chart."
            ),
            chart="timeline",
        )
    )


class SpanCounter:
    """Incidents opened in an interval and open at a moment, by binary search over sorted times:
    the same counts as testing every incident for every bar (ops_timeline.open_at), which at
    35,000 incidents and 40 bars was 1.4 s of Python per report.

    Open at m: opened before m and not resolved at m (resolved at or before m). An incident
    "resolved" before it opened (a clock's error) is closed from just after it opened, as the
    test `opened < m and not resolved <= m` has it."""

    def __init__(self, spans: Sequence[tuple[dt.datetime, dt.datetime | None]]) -> None:
        self._opened = sorted(o for o, _ in spans)
        self._resolved = sorted(r for o, r in spans if r is not None and r > o)
        self._closed_early = sorted(o for o, r in spans if r is not None and r <= o)

    def opened(self, start: dt.datetime, end: dt.datetime) -> int:
        """Opened in [start, end)."""
        return bisect_left(self._opened, end) - bisect_left(self._opened, start)

    def open_at(self, moment: dt.datetime) -> int:
        return (
            bisect_left(self._opened, moment)
            - bisect_right(self._resolved, moment)
            - bisect_left(self._closed_early, moment)
        )


def incidents_over_time(scope: Scope, figures: Figures) -> None:
    sessions = sessions_of(figures.session_id, figures.conference_id)
    windows = [ops_timeline.session_window(s) for s in sessions]
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
    counter = SpanCounter(spans)
    rows: list[list[Any]] = [
        [_label(start, several), counter.opened(start, end), counter.open_at(end)]
        for start, end in parts
    ]
    opened_in_window = counter.opened(*window)
    figures.tables.append(
        Table(
            "su-co-theo-gio",
            _("Incidents over time"),
            [pgettext("report column", "Time"), _("New incidents"), _("Open (end of interval)")],
            rows,
            [pgettext("report row", "Total"), opened_in_window, None],
            chart="timeline",
        )
    )


def connections_per_session(scope: Scope, figures: Figures) -> None:
    sessions = sessions_of(figures.session_id, figures.conference_id)
    data = ops_timeline.connections(scope, figures.unit.code, sessions)
    several = len({s.day.date for s in sessions}) > 1
    titles = [
        _("Connected: %(session)s") % {"session": s.title}
        + (f" ({s.day.date.day}/{s.day.date.month})" if several else "")
        for s in sessions
    ]
    rows: list[list[Any]] = []
    for group, name in group_names().items():
        rows.append(
            [
                name,
                data.sites[group],
                *[data.connected[s.pk][group] for s in sessions],
                data.never[group],
            ]
        )
    total = [
        pgettext("report row", "Total"),
        *[sum(r[i] for r in rows) for i in range(1, len(rows[0]))],
    ]
    for session in sessions:
        figures.totals[f"connected_session_{session.pk}"] = sum(data.connected[session.pk].values())
    figures.tables.append(
        Table(
            "ket-noi-phien",
            _("Sites connected in each session"),
            [_("Level"), _("Sites"), *titles, pgettext("report column", "Never connected")],
            rows,
            total,
            note=_(
                "A site counts as connected to a session when it sent a heartbeat during the "
                "session."
            ),
        )
    )
