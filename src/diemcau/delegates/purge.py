"""Erasing delegates' personal data after the event (`diemcau purge-personal-data`).

The organisers keep 1.5 million officials' names, phones and national-ID hashes only as long as
the event needs them. Afterwards this erases them in bulk SQL while every figure stays: a
delegate row is kept (its id and code are what check-ins, quiz attempts, graded reports,
certificates and the per-site counters point at) but it no longer says who the person was.

What is personal, and what happens to it:
- Delegate: full name → “[đã xoá]”; phone, email, position and workplace → empty (a position
  and workplace such as “Chủ tịch UBND xã …” name one person as surely as a name does); the
  CCCD hash → “-” + the delegate code (unique, as the index needs, and not derived from the
  number, so the same person can register again later) and its last four digits → empty; a
  birth date, if the model holds one, → NULL. Kept: code, site, province, group (a category
  such as “Cán bộ cấp xã”, which reports may break down by), the badge secret (random, about
  no one: an old badge now opens a record with no one's data behind it).
- Learning reports (Reflection) of this conference: the typed answers and the uploaded file
  are the delegate's own writing and often say who they are → erased; status, score and the
  graders' comments stay, so completion figures do not move.
- Questions sent during this conference: the asker's name → empty; the question stays.
- Badge sheets printed as PDF (data/badges/): names and QR codes → the files are deleted.
- The audit trail's entries about these delegates and their certificates keep who changed what
  and when, but their before/after personal values become “[đã xoá]”
  (audit.services.redact_personal, the one rewrite its append-only trigger lets through).
- Certificates keep the holder's name as printed. A certificate is an attestation issued to a
  person, and its verification (/xac-minh/<code>/, which shows only the masked name
  “Nguyễn V. A.”) is worth something only if the verifier can match that name to the paper in
  front of them. So each certificate record keeps one field, the printed name, and verification
  keeps answering “valid”. Everything else about the holder is gone.
- Quiz attempts (option indexes and scores) and check-ins (where and when) are about no one once
  the delegate row is erased, and they are the sources of the completion and attendance counts.

Delegates belong to sites, not to a conference: the same people take part in every conference
of an installation. So the purge erases every delegate, and it refuses while this conference —
or any other — has a session that has not ended, and while learning reports of this conference
still wait for a grade (their text is what the graders read), unless forced.

It is idempotent: an erased delegate's hash begins with “-” (a real hash is hexadecimal), and
each step touches only rows not yet erased; a run stopped half-way is finished by the next.
Work goes in id ranges, one transaction each, so progress shows and locks stay short. The run's
one audit entry (its counts, and how many delegates an earlier run had already erased) is
written in the transaction of its last range, so a run that dies leaves its work to be found
and recorded by the next; a run that finds nothing to erase records nothing.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.delegates.models import Delegate
from diemcau.errors import DomainError, NotFound
from diemcau.programme.models import Conference, Session

Progress = Callable[[int, int], None]
ERASED_NAME = "[đã xoá]"
ERASED_MARK = "-"  # national_id_hash of an erased delegate: "-" + code
ID_RANGE = 50_000  # delegate ids per UPDATE and transaction
# Fields emptied on every delegate (text), and dates set to NULL when the model has them.
TEXT_FIELDS = ("phone", "email", "position", "workplace", "national_id_last4")
DATE_FIELDS = ("birth_date", "date_of_birth")


class PurgeRefused(DomainError):
    """The purge would destroy data still needed (the event is not over, reports ungraded)."""


@dataclass
class PurgeCheck:
    """What a purge would do, and why it may not yet."""

    conference: Conference
    ends_at: dt.datetime | None
    delegates: int  # not yet erased
    reports_ungraded: int
    reasons: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.reasons


@dataclass
class PurgeReport:
    delegates: int = 0
    reflections: int = 0
    report_files: int = 0
    questions: int = 0
    badge_files: int = 0
    audit_entries: int = 0  # entries about these delegates whose personal values were erased

    def counts(self) -> dict[str, int]:
        return {
            "delegates": self.delegates,
            "reflections": self.reflections,
            "report_files": self.report_files,
            "questions": self.questions,
            "badge_files": self.badge_files,
            "audit_entries": self.audit_entries,
        }

    @property
    def nothing(self) -> bool:
        return not any(self.counts().values())


# -- when is it over -------------------------------------------------------------------------
def conference_ends_at(conference: Conference) -> dt.datetime | None:
    """When the last session ends (local time of the event); None if it has no session."""
    tz = timezone.get_default_timezone()
    latest: dt.datetime | None = None
    for date, ends in Session.objects.filter(day__conference=conference).values_list(
        "day__date", "ends_at"
    ):
        end = dt.datetime.combine(date, ends, tzinfo=tz)
        if latest is None or end > latest:
            latest = end
    return latest


def _ends_at_or_last_day(conference: Conference) -> dt.datetime:
    found = conference_ends_at(conference)
    if found is not None:
        return found
    tz = timezone.get_default_timezone()
    return dt.datetime.combine(conference.ends_on + dt.timedelta(days=1), dt.time(), tzinfo=tz)


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def check(conference_id: int, now: dt.datetime | None = None) -> PurgeCheck:
    """Whether the purge may run now, and how much it would erase."""
    conference = Conference.objects.filter(pk=conference_id).first()
    if conference is None:
        raise NotFound(_("Conference %(id)s not found.") % {"id": conference_id})
    now = now or timezone.now()
    from diemcau.assessment.models import Reflection, ReportStatus

    waiting = (ReportStatus.SUBMITTED, ReportStatus.SECOND, ReportStatus.DISPUTED)
    found = PurgeCheck(
        conference=conference,
        ends_at=conference_ends_at(conference),
        delegates=_live_delegates().count(),
        reports_ungraded=Reflection.objects.filter(
            conference_id=conference_id, status__in=waiting
        ).count(),
    )
    ends = _ends_at_or_last_day(conference)
    if ends > now:
        found.reasons.append(
            f"Hội nghị “{conference.name}” chưa kết thúc: phiên cuối kết thúc lúc {_when(ends)}."
        )
    for other in Conference.objects.exclude(pk=conference_id):
        other_ends = _ends_at_or_last_day(other)
        if other_ends > now:
            found.reasons.append(
                f"Hội nghị “{other.name}” (kết thúc {_when(other_ends)}) vẫn dùng danh sách đại "
                "biểu: đại biểu thuộc điểm cầu, dùng chung cho mọi hội nghị."
            )
    if found.reports_ungraded:
        found.reasons.append(
            f"Còn {found.reports_ungraded} bài thu hoạch chưa chấm xong: người chấm cần nội "
            "dung của chúng."
        )
    return found


def is_erased(delegate: Delegate) -> bool:
    """Whether this delegate's personal data were erased (the certificate keeps the old name)."""
    return delegate.national_id_hash.startswith(ERASED_MARK)


# -- the purge -------------------------------------------------------------------------------
def _live_delegates() -> Any:
    """Delegates whose data is still there (an erased hash starts with ERASED_MARK)."""
    return Delegate.objects.exclude(national_id_hash__startswith=ERASED_MARK)


def purge_personal_data(
    conference_id: int,
    *,
    force: bool = False,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    actor: Any = None,
) -> PurgeReport:
    """Erase the personal data described in the module doc; return how much was erased.

    Raises PurgeRefused (with the reasons, in Vietnamese) when `check` says not yet, unless
    `force`. Records one audit entry with the counts when anything was erased.
    """
    found = check(conference_id, now)
    if not found.allowed and not force:
        raise PurgeRefused(" ".join(found.reasons))
    report = PurgeReport()
    already = Delegate.objects.filter(national_id_hash__startswith=ERASED_MARK).count()
    bounds = _live_delegates().aggregate(lo=Min("pk"), hi=Max("pk"))
    lo, hi = bounds["lo"], bounds["hi"]
    ranges = [] if lo is None else list(range(lo, hi + 1, ID_RANGE))
    total = len(ranges) + 3
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    def record() -> None:
        """The run's one audit entry, written in the transaction of its last piece of work:
        a run killed before it erased nothing more than a later run will find and record."""
        if report.nothing:
            return
        from diemcau.audit.services import record_event

        record_event(
            "purge",
            "delegates",
            actor=actor,
            counts={**report.counts(), "already_erased": already},
            detail=f"conference={conference_id}" + (" force" if force else ""),
        )

    if progress is not None:
        progress(0, total)
    report.reflections, report.report_files = _erase_reflections(conference_id)
    step()
    report.questions = _erase_askers(found.conference)
    step()
    report.badge_files = _delete_badge_files()
    step()
    from diemcau.audit.services import redact_personal

    sql, fixed = _delegate_update()
    for i, start in enumerate(ranges):
        # One transaction per range: the delegates and the audit entries about them (their
        # before/after values) are erased together, so a run stopped half-way leaves no range
        # erased in one place and not the other.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*fixed, start, start + ID_RANGE - 1])
            erased = [pk for (pk,) in cursor.fetchall()]
            report.delegates += len(erased)
            report.audit_entries += redact_personal(erased)
            if i == len(ranges) - 1:
                record()
        step()
    if not ranges:
        with transaction.atomic():
            record()
    return report


def _delegate_update() -> tuple[str, list[Any]]:
    """One UPDATE per id range, the same on SQLite and PostgreSQL (`||` concatenates in both;
    RETURNING gives the ids erased, for the audit trail)."""
    table = Delegate._meta.db_table
    names = {f.name for f in Delegate._meta.get_fields()}
    sets = ["full_name = %s", "national_id_hash = %s || code", "updated_at = %s"]
    params: list[Any] = [ERASED_NAME, ERASED_MARK, timezone.now()]
    for name in TEXT_FIELDS:
        sets.append(f"{connection.ops.quote_name(name)} = %s")
        params.append("")
    for name in DATE_FIELDS:
        if name in names:
            sets.append(f"{connection.ops.quote_name(name)} = NULL")
    sql = (
        f"UPDATE {table} SET {', '.join(sets)} "  # noqa: S608 - names from the model
        "WHERE id BETWEEN %s AND %s AND national_id_hash NOT LIKE '-%%' RETURNING id"
    )
    return sql, params


def _erase_reflections(conference_id: int) -> tuple[int, int]:
    """The conference's learning reports lose their text and file; grades stay."""
    from diemcau.assessment.models import Reflection
    from diemcau.assessment.reflections.services import reports_dir

    rows = Reflection.objects.filter(conference_id=conference_id).exclude(
        Q(answers=[]) & Q(file_path="") & Q(file_name="")
    )
    files = [p for p in rows.values_list("file_path", flat=True) if p]
    with transaction.atomic():
        erased = rows.update(answers=[], file_path="", file_name="")
    base = reports_dir().resolve()
    removed = 0
    for relative in files:
        path = (base / relative).resolve()
        if path.is_relative_to(base) and path.is_file():
            path.unlink()
            removed += 1
    return erased, removed


def _erase_askers(conference: Conference) -> int:
    """Askers' names of the questions sent during this conference (or tied to none)."""
    from diemcau.questions.models import Question

    ours = (
        Q(session__day__conference=conference)
        | Q(topic__session__day__conference=conference)
        | Q(session__isnull=True, topic__isnull=True)
    )
    with transaction.atomic():
        return int(Question.objects.filter(ours).exclude(asker_name="").update(asker_name=""))


def _delete_badge_files() -> int:
    """Printed badge sheets (names and QR codes) kept for download by the badge jobs."""
    folder = Path(settings.DATA_DIR) / "badges"
    removed = 0
    if folder.is_dir():
        for path in folder.glob("*.pdf"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
