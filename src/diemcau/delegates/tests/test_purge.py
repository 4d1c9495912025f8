"""`diemcau purge-personal-data`: personal data gone, every figure and certificate kept."""

import datetime as dt
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from django.utils import timezone

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.assessment.certificates import services as certificates
from diemcau.assessment.completion import services as completion_counters
from diemcau.assessment.completion import services as completion_rollup
from diemcau.assessment.models import CompletionSite, Reflection
from diemcau.assessment.reflections import services as grading
from diemcau.assessment.reflections import services as reflections
from diemcau.assessment.tests.helpers import attend, make_delegate, world
from diemcau.assessment.tests.test_completion import TEXT, complete
from diemcau.attendance.models import SessionTally, SiteRegistered
from diemcau.attendance.summary import summary
from diemcau.attendance.tallies import add_checkins, refresh_registered
from diemcau.audit.models import Entry
from diemcau.delegates import purge
from diemcau.delegates.cli_data import register
from diemcau.delegates.models import Delegate
from diemcau.programme.models import Conference, Day, Session
from diemcau.questions.models import Question

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(user_id=0, everything=True)


@click.group()
def main() -> None:
    """Stands in for diemcau.cli's main group."""


register(main)


def purges() -> list[tuple[str, str, Any]]:
    """The purge entries of the real audit trail (audit.services.record_event)."""
    rows = Entry.objects.filter(event="purge").order_by("pk")
    return [(e.event, e.subject, e.counts) for e in rows]


@pytest.fixture
def w(make_site: Any, make_user: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """After the event (14/6/2025): An completed and holds a certificate; Bình attended and
    wrote a graded report with a file; a question names its asker; a badge sheet is on disk."""
    settings.DATA_DIR = tmp_path
    found = world(make_site)
    conf = found["conference"].pk
    central = scope_for(make_user("central_organiser"))
    an = Delegate.objects.get(pk=found["an"].pk)  # an edit the audit trail records
    an.phone, an.email, an.position, an.workplace = (
        "0912345678",
        "an@example.vn",
        "Chủ tịch",
        "UBND phường",
    )
    an.save()
    complete(found, "an", central)
    attend(found["binh"], found["sessions"][0])
    report = reflections.save_text(found["binh"], conf, TEXT, final=True)
    stored = reflections.reports_dir() / "binh.pdf"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"%PDF-1.4 Tran Thi Binh")
    Reflection.objects.filter(pk=report.pk).update(file_path="binh.pdf", file_name="Bình.pdf")
    grading.grade(central, report.pk, 6, "Khá")
    add_checkins([(found["hk"].pk, found["sessions"][0].pk, 2, 0)])  # the counters the scans made
    refresh_registered()
    found["certificate"] = certificates.issue(found["an"], conf)
    Question.objects.create(
        text="Khi nào sáp nhập?",
        site=found["hk"],
        unit=found["hk"].unit,
        session=found["sessions"][0],
        asker_name="Nguyễn Văn An",
    )
    badges = Path(settings.DATA_DIR) / "badges"
    badges.mkdir()
    (badges / "1.pdf").write_bytes(b"%PDF-1.4 names")
    found["badges"] = badges
    found["report_file"] = stored
    return found


def aggregates(conf: int) -> tuple[Any, ...]:
    """Every figure a report shows: attendance summary, completion roll-up, the counter rows."""
    attendance = summary(EVERYTHING, None, None)
    rollup = completion_rollup.rollup(EVERYTHING, conf, None)
    return (
        {k: v for k, v in attendance.items() if k != "children"},
        attendance["children"],
        dict(rollup),
        sorted(SiteRegistered.objects.values_list("site_id", "registered")),
        sorted(SessionTally.objects.values_list("site_id", "session_id", "checked_in")),
        sorted(
            CompletionSite.objects.filter(conference_id=conf).values_list(
                "site_id", *completion_counters.FIGURES
            )
        ),
    )


def test_purge_erases_personal_data_and_keeps_figures_and_certificates(w: dict[str, Any]) -> None:
    conf = w["conference"].pk
    before = aggregates(conf)
    assert before[0]["registered"] == 3 and before[2]["completed"] == 1

    result = CliRunner().invoke(main, ["purge-personal-data", "--conference", str(conf), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Đã xoá dữ liệu cá nhân của 3 đại biểu" in result.output

    for d in Delegate.objects.all():
        assert d.full_name == purge.ERASED_NAME
        assert (d.phone, d.email, d.position, d.workplace, d.national_id_last4) == ("",) * 5
        assert d.national_id_hash == "-" + d.code  # unique still, derived from no number
    report = Reflection.objects.get(delegate=w["binh"])
    assert (report.answers, report.file_path, report.file_name) == ([], "", "")
    assert (report.score, report.status) == (6, "graded")  # the grade, which completion reads
    assert not w["report_file"].exists()
    assert Question.objects.get().asker_name == ""
    assert not list(w["badges"].glob("*.pdf"))

    assert aggregates(conf) == before
    completion_counters.rebuild(conf)  # recounted from the sources: the same figures
    assert aggregates(conf) == before
    verified = certificates.verify(w["certificate"].code)
    assert verified["status"] == "valid" and verified["holder"] == "Nguyễn V. A."
    (entry,) = purges()
    assert entry[:2] == ("purge", "delegates")
    assert entry[2] == {
        "delegates": 3,
        "reflections": 2,
        "report_files": 1,
        "questions": 1,
        "badge_files": 1,
        "audit_entries": entry[2]["audit_entries"],
        "already_erased": 0,
    }
    assert entry[2]["audit_entries"] >= 1  # at least An's edit
    about_them = Entry.objects.exclude(event="purge")
    assert not about_them.filter(object_repr__contains="Nguyễn Văn An").exists()
    for kept in about_them.values_list("changes", flat=True):
        text = str(kept)
        assert "0912345678" not in text and "Nguyễn Văn An" not in text, text

    again = CliRunner().invoke(main, ["purge-personal-data", "--conference", str(conf), "--yes"])
    assert again.exit_code == 0 and "Không còn gì để xoá" in again.output
    assert len(purges()) == 1  # nothing erased, nothing recorded
    assert aggregates(conf) == before


def test_a_certificate_reissued_after_the_purge_keeps_the_name_it_was_issued_to(
    w: dict[str, Any],
) -> None:
    from diemcau.accounts.scopes import Scope

    conf = w["conference"].pk
    result = CliRunner().invoke(main, ["purge-personal-data", "--conference", str(conf), "--yes"])
    assert result.exit_code == 0, result.output
    new = certificates.reissue(Scope(user_id=0, everything=True), w["certificate"].pk, "in lại")
    assert new.holder_name == w["certificate"].holder_name != purge.ERASED_NAME
    assert certificates.verify(new.code)["holder"] == "Nguyễn V. A."


def test_purge_refuses_before_the_last_session_ends(w: dict[str, Any]) -> None:
    conf = w["conference"].pk
    tz = timezone.get_default_timezone()
    during = dt.datetime(2025, 6, 14, 16, 30, tzinfo=tz)  # the afternoon session ends at 17:00
    found = purge.check(conf, now=during)
    assert not found.allowed
    assert "chưa kết thúc: phiên cuối kết thúc lúc 14/06/2025 17:00" in found.reasons[0]
    with pytest.raises(purge.PurgeRefused):
        purge.purge_personal_data(conf, now=during)
    assert purge.check(conf, now=dt.datetime(2025, 6, 14, 17, 1, tzinfo=tz)).allowed
    assert not purges() and Delegate.objects.filter(full_name="Nguyễn Văn An").exists()


def test_another_conference_still_to_come_or_ungraded_reports_refuse_unless_forced(
    w: dict[str, Any], make_site: Any
) -> None:
    conf = w["conference"].pk
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    later = Conference.objects.create(
        slug="sau", name="Hội nghị sau", host="BTC", starts_on=tomorrow, ends_on=tomorrow
    )
    day = Day.objects.create(conference=later, date=tomorrow)
    Session.objects.create(day=day, title="Sáng", starts_at=dt.time(8), ends_at=dt.time(11))
    hoa = reflections.save_text(w["hoa"], conf, TEXT, final=True)  # submitted, not graded

    refused = CliRunner().invoke(main, ["purge-personal-data", "--conference", str(conf), "--yes"])
    assert refused.exit_code == 1
    assert "Hội nghị sau" in refused.output and "1 bài thu hoạch chưa chấm" in refused.output
    assert Delegate.objects.filter(full_name="Nguyễn Văn An").exists() and not purges()

    cancelled = CliRunner().invoke(
        main, ["purge-personal-data", "--conference", str(conf), "--force"], input="n\n"
    )
    assert "Đã huỷ" in cancelled.output
    assert Delegate.objects.filter(full_name="Nguyễn Văn An").exists() and not purges()

    forced = CliRunner().invoke(
        main, ["purge-personal-data", "--conference", str(conf), "--force"], input="y\n"
    )
    assert forced.exit_code == 0, forced.output
    assert not Delegate.objects.exclude(full_name=purge.ERASED_NAME).exists()
    assert Reflection.objects.get(pk=hoa.pk).answers == []
    missing = CliRunner().invoke(main, ["purge-personal-data", "--conference", "999", "--yes"])
    assert missing.exit_code == 1 and "Không tìm thấy hội nghị 999" in missing.output


def test_a_person_erased_may_register_again(w: dict[str, Any]) -> None:
    """The erased hash is not the number's: the same CCCD can be imported for a later event."""
    from diemcau.delegates.importing import import_delegates
    from diemcau.delegates.pii import national_id_hash
    from diemcau.delegates.tests.helpers import csv_file

    Delegate.objects.filter(pk=w["an"].pk).update(national_id_hash=national_id_hash("001085012345"))
    purge.purge_personal_data(w["conference"].pk)
    make_delegate(w["hk"])  # a delegate added after the purge is a live one
    data = csv_file([["HK-A", "Nguyễn Văn An", "001085012345"]])
    assert import_delegates(EVERYTHING, data, filename="a.csv").created == 1
    assert purge.check(w["conference"].pk).delegates == 2


def test_purge_reports_progress_to_the_end(w: dict[str, Any]) -> None:
    seen: list[tuple[int, int]] = []
    purge.purge_personal_data(w["conference"].pk, progress=lambda d, t: seen.append((d, t)))
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] and len(seen) == seen[-1][1] + 1


def test_a_run_stopped_half_way_is_finished_and_recorded_by_the_next(
    w: dict[str, Any], monkeypatch: Any
) -> None:
    from diemcau.audit import services as audit

    real = audit.redact_personal
    calls: list[int] = []

    def dies_on_the_second_range(ids: Any) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as the process would die mid-way
        return real(ids)

    monkeypatch.setattr(purge, "ID_RANGE", 1)  # one delegate per range and transaction
    monkeypatch.setattr(audit, "redact_personal", dies_on_the_second_range)
    with pytest.raises(KeyboardInterrupt):
        purge.purge_personal_data(w["conference"].pk)
    assert Delegate.objects.filter(full_name=purge.ERASED_NAME).count() == 1  # first range kept
    assert not purges()  # the entry is written with the last range: none yet

    monkeypatch.setattr(audit, "redact_personal", real)
    finished = purge.purge_personal_data(w["conference"].pk)
    assert finished.delegates == 2
    assert not Delegate.objects.exclude(full_name=purge.ERASED_NAME).exists()
    ((_event, _subject, counts),) = purges()
    assert (counts["delegates"], counts["already_erased"]) == (2, 1)
