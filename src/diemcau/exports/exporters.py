"""The three lists: delegates, their attendance per session, their learning outcomes.

Each exporter reads with raw SQL in delegate id order (streaming.py) and, where it needs a second
table, reads that one in the same order and merges the two as they go (no dictionary of 1.5
million entries). Text people typed (names, workplaces, site names) is made inert against
formulas here, once, so the CSV and the XLSX hold the very same cells.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _

from diemcau.assessment.models import Attempt, Certificate, Reflection
from diemcau.attendance.models import CheckIn, SessionTally, Source
from diemcau.csvsafe import FORMULA_STARTS, QUOTE, neutralise
from diemcau.delegates.models import Delegate
from diemcau.delegates.pii import mask
from diemcau.delegates.services import FULLY_MASKED
from diemcau.errors import Invalid
from diemcau.exports.registry import (
    CODE,
    DATE,
    DATETIME,
    INT,
    TEXT,
    Column,
    Exporter,
    Option,
    Plan,
    register,
)
from diemcau.exports.scoping import Target
from diemcau.exports.streaming import stream
from diemcau.programme.models import Conference, Session, SessionKind

_DELEGATES = Delegate._meta.db_table
_CHECKINS = CheckIn._meta.db_table
_ATTEMPTS = Attempt._meta.db_table
_REFLECTIONS = Reflection._meta.db_table
_CERTIFICATES = Certificate._meta.db_table

# The place columns every list shares, after the delegate's code and name.
PLACE = (
    Column("Mã điểm cầu", 12, TEXT, repeats=True),
    Column("Điểm cầu", 34, TEXT, repeats=True),
    Column("Đơn vị hành chính", 26, TEXT, repeats=True),
    Column("Tỉnh, thành phố", 20, TEXT, repeats=True),
)
WHO = (Column("Mã đại biểu", 12, CODE), Column("Họ và tên", 28, TEXT))
PROVINCE_AT = 5  # WHO + PLACE: the province column of every list

# Attendance per session: the four states the issue names, a list apart from a scan.
PRESENT_SCAN = "Có mặt (quét mã)"
PRESENT_LIST = "Có mặt (danh sách)"
GUEST = "Dự ở điểm cầu khác"
HEADCOUNT_ONLY = "Chỉ có số đếm"
ABSENT = "Vắng"
REPORT_STATES = {
    "draft": "Bản nháp",
    "submitted": "Đã nộp, chờ chấm",
    "graded": "Đã chấm",
    "second": "Chờ chấm lần hai",
    "disputed": "Hai lần chấm lệch nhau",
}
YES, NO = "Đạt", "Chưa đạt"
CERT_VALID, CERT_REVOKED = "Còn hiệu lực", "Đã thu hồi"


def inert(value: str | None) -> str:
    """One typed text made inert (the hot path's inline form of csvsafe.neutralise)."""
    if not value:
        return ""
    return QUOTE + value if value[0] in FORMULA_STARTS else value


def conference_choices() -> list[tuple[str, str]]:
    return list(Conference.objects.order_by("-starts_on", "-pk").values_list("slug", "name"))


CONFERENCE = Option(
    "conference",
    _("Conference"),
    choices=conference_choices,
    help=_("The conference whose sessions or learning outcomes the list shows."),
)


def conference_of(options: dict[str, str]) -> Conference:
    slug = options.get("conference") or CONFERENCE.default()
    found = Conference.objects.filter(slug=slug).first() if slug else None
    if found is None:
        raise Invalid(
            str(_("There is no such conference.")), {"conference": str(_("Choose a conference."))}
        )
    return found


def _in_target(target: Target, column: str = "c.delegate_id") -> tuple[str, list[Any]]:
    """A condition on another table's delegate column: the target's delegates only."""
    if not target.where:
        return "", []
    return (
        f" AND {column} IN (SELECT d.id FROM {_DELEGATES} d WHERE {target.where})",  # noqa: S608
        list(target.params),
    )


def _where(target: Target) -> str:
    return f" WHERE {target.where}" if target.where else ""


def counts(target: Target) -> tuple[int, dict[str, int]]:
    """Rows the list will hold, in all and per province (the sheets past the row limit)."""
    per_province: dict[str, int] = {}
    sql = f"SELECT d.site_id, COUNT(*) FROM {_DELEGATES} d{_where(target)} GROUP BY d.site_id"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, target.params)
        for site_id, n in cursor.fetchall():
            site = target.sites.get(site_id)
            if site is not None:
                per_province[site.province] = per_province.get(site.province, 0) + n
    return sum(per_province.values()), per_province


def _people(target: Target, *extra: str) -> Iterator[tuple[Any, ...]]:
    fields = ", ".join(("d.id", "d.code", "d.full_name", "d.site_id", *extra))
    yield from stream(
        f"SELECT {fields} FROM {_DELEGATES} d{_where(target)} ORDER BY d.id",  # noqa: S608
        target.params,
    )


def _merge(
    people: Iterator[tuple[Any, ...]], *others: Iterator[tuple[Any, ...]]
) -> Iterator[tuple[tuple[Any, ...], list[list[tuple[Any, ...]]]]]:
    """Each delegate row with, per other stream, that stream's rows of the same delegate.

    Every stream runs in delegate id order (first column), so one pass over each suffices.
    """
    heads = [next(o, None) for o in others]
    for person in people:
        pk = person[0]
        found: list[list[tuple[Any, ...]]] = []
        for i, other in enumerate(others):
            nxt = heads[i]
            mine: list[tuple[Any, ...]] = []
            while nxt is not None and nxt[0] < pk:
                nxt = next(other, None)
            while nxt is not None and nxt[0] == pk:
                mine.append(nxt)
                nxt = next(other, None)
            heads[i] = nxt
            found.append(mine)
        yield person, found


@register
class DelegatesExporter(Exporter):
    identifier = "delegates"
    name = _("Delegates")
    description = _(
        "Every delegate of the node: code, name, position, workplace, group, site, unit, "
        "province, phone and national ID (masked)."
    )
    filename_stem = "dai-bieu"

    def plan(self, target: Target, options: dict[str, str]) -> Plan:
        total, per_province = counts(target)
        columns = (
            *WHO,
            *PLACE,
            Column("Chức vụ", 26, TEXT),
            Column("Nơi công tác", 30, TEXT),
            Column("Nhóm, tổ", 14, TEXT),
            Column("Số điện thoại", 14, TEXT),
            Column("Số CCCD", 15, CODE),
        )
        return Plan(columns, total, self.rows(target), PROVINCE_AT, per_province, target.name)

    def rows(self, target: Target) -> Iterator[Sequence[Any]]:
        sites = target.sites
        # Shown as delegates.services.national_id_display shows it to this caller.
        full = target.everything
        group = connection.ops.quote_name("group")
        for _pk, code, name, site_id, position, workplace, grp, phone, last4 in _people(
            target, "d.position", "d.workplace", f"d.{group}", "d.phone", "d.national_id_last4"
        ):
            site = sites.get(site_id)
            if site is None:
                continue
            yield (
                code,
                inert(name),
                site.code,
                site.name,
                site.unit,
                site.province,
                inert(position),
                inert(workplace),
                inert(grp),
                inert(phone),
                mask(last4) if full else FULLY_MASKED,
            )


def _sessions(conference: Conference) -> list[tuple[int, str]]:
    # A technical rehearsal is a session of the conference too, but nobody attends it.
    found = (
        Session.objects.filter(day__conference=conference)
        .exclude(kind=SessionKind.REHEARSAL)
        .order_by("day__date", "starts_at", "pk")
    )
    return [
        (pk, neutralise(f"{title} ({day:%d/%m})"))
        for pk, title, day in found.values_list("pk", "title", "day__date")
    ]


@register
class AttendanceExporter(Exporter):
    identifier = "attendance"
    name = _("Attendance")
    description = _(
        "One row per delegate, one column per session: present by scan at their site, from a "
        "paper list, as a guest at another site, counted by headcount only, or absent; then the "
        "totals."
    )
    options = (CONFERENCE,)
    filename_stem = "diem-danh"

    def plan(self, target: Target, options: dict[str, str]) -> Plan:
        sessions = _sessions(conference_of(options))
        total, per_province = counts(target)
        columns = (
            *WHO,
            *PLACE,
            *(Column(title, 16, CODE, repeats=True) for _pk, title in sessions),
            Column("Số phiên có mặt", 10, INT, repeats=True),
            Column("Số phiên chỉ có số đếm", 12, INT, repeats=True),
            Column("Số phiên vắng", 10, INT, repeats=True),
        )
        return Plan(
            columns, total, self.rows(target, sessions), PROVINCE_AT, per_province, target.name
        )

    def rows(self, target: Target, sessions: list[tuple[int, str]]) -> Iterator[Sequence[Any]]:
        ids = [pk for pk, _title in sessions]
        sites = target.sites
        counted = set(
            SessionTally.objects.filter(session_id__in=ids, headcount__gt=0).values_list(
                "site_id", "session_id"
            )
        )
        if not ids:
            checkins: Iterator[tuple[Any, ...]] = iter(())
        else:
            narrow, params = _in_target(target)
            checkins = stream(
                f"SELECT c.delegate_id, c.session_id, c.other_site, c.source FROM {_CHECKINS} c "  # noqa: S608
                f"WHERE c.annulled_at IS NULL AND c.session_id IN ({', '.join(['%s'] * len(ids))})"
                f"{narrow} ORDER BY c.delegate_id",
                [*ids, *params],
            )
        listed = Source.LIST.value
        n_sessions = len(ids)
        # The merge with the check-ins, inline: this loop runs 1.5 million times.
        head = next(checkins, None)
        for pk, code, name, site_id in _people(target):
            marks: dict[int, tuple[Any, Any]] = {}
            while head is not None and head[0] < pk:
                head = next(checkins, None)
            while head is not None and head[0] == pk:
                marks[head[1]] = (head[2], head[3])
                head = next(checkins, None)
            site = sites.get(site_id)
            if site is None:
                continue
            present = by_count = 0
            states: list[str] = []
            for session_id in ids:
                mark = marks.get(session_id)
                if mark is not None:
                    present += 1
                    if mark[0]:
                        states.append(GUEST)
                    else:
                        states.append(PRESENT_LIST if mark[1] == listed else PRESENT_SCAN)
                elif (site_id, session_id) in counted:
                    by_count += 1
                    states.append(HEADCOUNT_ONLY)
                else:
                    states.append(ABSENT)
            yield (
                code,
                inert(name),
                site.code,
                site.name,
                site.unit,
                site.province,
                *states,
                present,
                by_count,
                n_sessions - present - by_count,
            )


def _when(value: Any, *, date: bool = False) -> Any:
    """A raw timestamp as Django would read it: SQLite gives naive UTC (or text), PostgreSQL
    an aware datetime."""
    if value is None:
        return None
    if date:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@register
class LearningExporter(Exporter):
    identifier = "learning"
    name = _("Learning outcomes")
    description = _(
        "Per delegate: the quiz's best score and whether it passed, the learning report's state, "
        "score and grader, and the certificate's code and state."
    )
    options = (CONFERENCE,)
    filename_stem = "ket-qua-hoc-tap"

    def plan(self, target: Target, options: dict[str, str]) -> Plan:
        conference = conference_of(options)
        total, per_province = counts(target)
        columns = (
            *WHO,
            *PLACE,
            Column("Điểm kiểm tra cao nhất", 11, INT, repeats=True),
            Column("Điểm tối đa", 9, INT, repeats=True),
            Column("Kết quả kiểm tra", 11, CODE, repeats=True),
            Column("Số lần làm bài", 9, INT, repeats=True),
            Column("Bài thu hoạch", 18, CODE, repeats=True),
            Column("Điểm bài thu hoạch", 11, INT, repeats=True),
            Column("Người chấm", 22, TEXT, repeats=True),
            Column("Thời điểm chấm", 17, DATETIME),
            Column("Mã giấy chứng nhận", 24, CODE),
            Column("Giấy chứng nhận", 14, CODE, repeats=True),
            Column("Ngày cấp", 12, DATE),
        )
        return Plan(
            columns, total, self.rows(target, conference.pk), PROVINCE_AT, per_province, target.name
        )

    def rows(self, target: Target, conference_id: int) -> Iterator[Sequence[Any]]:
        sites = target.sites
        narrow, params = _in_target(target, "x.delegate_id")
        attempts = stream(
            "SELECT x.delegate_id, MAX(x.score), MAX(x.max_score), "  # noqa: S608
            "MAX(CASE WHEN x.passed THEN 1 ELSE 0 END), COUNT(*) "
            f"FROM {_ATTEMPTS} x WHERE x.conference_id = %s AND x.submitted_at IS NOT NULL"
            f"{narrow} GROUP BY x.delegate_id ORDER BY x.delegate_id",
            [conference_id, *params],
        )
        reports = stream(
            "SELECT x.delegate_id, x.status, x.score, x.graded_by_id, x.graded_at "  # noqa: S608
            f"FROM {_REFLECTIONS} x WHERE x.conference_id = %s{narrow} ORDER BY x.delegate_id",
            [conference_id, *params],
        )
        certificates = stream(
            "SELECT x.delegate_id, x.code, x.issued_on, x.revoked_at "  # noqa: S608
            f"FROM {_CERTIFICATES} x WHERE x.conference_id = %s{narrow} "
            "ORDER BY x.delegate_id, x.created_at",
            [conference_id, *params],
        )
        graders: dict[int, str] = {}
        merged = _merge(_people(target), attempts, reports, certificates)
        for person, (tried, wrote, certified) in merged:
            site = sites.get(person[3])
            if site is None:
                continue
            quiz: tuple[Any, ...] = tried[0][1:] if tried else (None, None, None, None)
            best, top, passed, count = quiz
            report = wrote[0] if wrote else None
            grader = ""
            if report is not None and report[3] is not None:
                grader = graders.get(report[3]) or graders.setdefault(
                    report[3], _grader_name(report[3])
                )
            valid = [c for c in certified if c[3] is None]
            cert = valid[-1] if valid else (certified[-1] if certified else None)
            yield (
                person[1],
                inert(person[2]),
                site.code,
                site.name,
                site.unit,
                site.province,
                best,
                top,
                "" if passed is None else (YES if passed else NO),
                count,
                REPORT_STATES.get(report[1], report[1]) if report else "",
                report[2] if report else None,
                grader,
                _when(report[4]) if report else None,
                cert[1] if cert else "",
                "" if cert is None else (CERT_VALID if cert[3] is None else CERT_REVOKED),
                _when(cert[2], date=True) if cert else None,
            )


def _grader_name(user_id: int) -> str:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return ""
    return inert(user.get_full_name() or user.get_username())
