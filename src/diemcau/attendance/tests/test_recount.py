"""Counters that cannot drift: written in the import's own transaction, rebuilt from the sources.

These tests run inside a transaction that is never committed (pytest-django's `db`), so no
on_commit callback ever runs: a counter that is right here was written in the writer's own
transaction, which is what survives a process killed right after its commit.
"""

import uuid

import click
import pytest
from click.testing import CliRunner

from diemcau.accounts.scopes import Scope
from diemcau.assessment.completion import services as completion_counters
from diemcau.assessment.models import CompletionSite
from diemcau.attendance import minutes
from diemcau.attendance.models import CheckIn, CheckInMinute, SessionTally, SiteRegistered
from diemcau.attendance.summary import summary
from diemcau.attendance.tests.helpers import make_delegate, scan, world
from diemcau.conftest import HOAN_KIEM
from diemcau.delegates import pipeline
from diemcau.delegates.cli_data import register
from diemcau.delegates.importing import import_delegates
from diemcau.delegates.services import update_delegate
from diemcau.delegates.tests.helpers import csv_file

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:.*multi-threaded.*:DeprecationWarning"),  # the fork path
]

EVERYTHING = Scope(user_id=0, everything=True)


@click.group()
def main() -> None:
    """Stands in for diemcau.cli's main group."""


register(main)


def registered() -> dict[str, int]:
    return dict(SiteRegistered.objects.values_list("site__code", "registered"))


def rows(site: str, n: int, first: int = 0) -> list[list[str]]:
    return [[site, f"Nguyễn Văn {i}", f"001{i:09d}"] for i in range(first, first + n)]


@pytest.mark.parametrize("forked", [False, True], ids=["one-process", "forked-child"])
def test_import_writes_registered_and_marks_completion_in_its_own_transaction(
    make_site, monkeypatch, forked
):
    hk = make_site(HOAN_KIEM, code="HK-01")
    make_site(HOAN_KIEM, code="HK-02")
    conference = world_conference(hk)
    completion_counters.rebuild(conference)  # counted before the import: 1 delegate
    CompletionSite.objects.filter(conference_id=conference).update(stale=False)
    if forked:  # the checking child process of big files (pipeline.py), for a small one
        monkeypatch.setattr(pipeline, "MIN_ROWS", 1)
        monkeypatch.setattr(pipeline, "single_threaded", lambda: True)
        monkeypatch.setenv("DIEMCAU_IMPORT_FORK", "1")
    else:
        monkeypatch.setenv("DIEMCAU_IMPORT_FORK", "0")
    data = csv_file([*rows("HK-01", 30), *rows("HK-02", 12, first=100)])
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert report.written and report.created == 42
    assert registered() == {"HK-01": 31, "HK-02": 12}
    assert summary(EVERYTHING, HOAN_KIEM, None)["registered"] == 43
    stale = dict(
        CompletionSite.objects.filter(conference_id=conference).values_list("site__code", "stale")
    )
    assert stale == {"HK-01": True, "HK-02": True}  # recounted on the next read


def world_conference(site) -> int:
    from diemcau.attendance.tests.helpers import make_session

    make_delegate(site)
    return make_session().day.conference_id


def test_a_delegate_moved_to_another_site_moves_its_count(make_site):
    a, b = make_site(HOAN_KIEM, code="HK-A"), make_site(HOAN_KIEM, code="HK-B")
    moving = make_delegate(a)
    make_delegate(a)
    from diemcau.attendance.tallies import refresh_registered

    refresh_registered()
    update_delegate(EVERYTHING, moving.code, {"site": "HK-B"})
    assert registered() == {"HK-A": 1, "HK-B": 1}
    assert b.pk  # the site the count moved to


@pytest.fixture
def counted(make_site, api_as):
    """The attendance world with scans, a guest and a headcount, counted by the services."""
    w = world(make_site)
    central = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    scans = [
        scan(p["a1"], sites["HK-A"], s),
        scan(p["a2"], sites["HK-A"], s),
        scan(p["b1"], sites["HK-A"], s),  # a guest from HK-B
        scan(p["h1"], sites["HUE-A"], s),
    ]
    assert central.post("/api/v1/checkins", {"scans": scans}, content_type="application/json")
    central.post(
        "/api/v1/sites/HK-B/headcounts",
        {"id": str(uuid.uuid4()), "session": s.pk, "count": 5},
        content_type="application/json",
    )
    from diemcau.attendance.tallies import refresh_registered

    refresh_registered()
    completion_counters.rebuild(s.day.conference_id)
    return w


def figures(w) -> tuple:
    s = w["session"]
    nation = summary(EVERYTHING, None, s.pk)
    tallies = sorted(
        SessionTally.objects.values_list("site__code", "checked_in", "other_site", "headcount")
    )
    completion = sorted(
        CompletionSite.objects.values_list("site__code", "delegates", "attended", "completed")
    )
    keys = ("registered", "checked_in", "other_site", "headcount", "present")
    return tuple(nation[k] for k in keys), tallies, completion, registered()


def test_rebuild_repairs_every_corrupted_counter_and_says_what_it_changed(counted):
    right = figures(counted)
    assert right[0] == (7, 4, 1, 5, 9)
    SiteRegistered.objects.filter(site__code="HK-A").update(registered=0)  # the probe's drift
    SiteRegistered.objects.filter(site__code="HUE-A").delete()
    SessionTally.objects.filter(site__code="HK-A").update(checked_in=99, other_site=0)
    SessionTally.objects.filter(site__code="HK-B").update(headcount=None)
    SessionTally.objects.filter(site__code="HUE-A").delete()
    CompletionSite.objects.filter(site__code="HK-A").update(delegates=0, attended=7)
    assert figures(counted) != right

    result = CliRunner().invoke(main, ["counters", "rebuild"])
    assert result.exit_code == 0, result.output
    assert figures(counted) == right
    out = result.output
    assert "registered HK-A registered: 0 → 3" in out
    assert "registered HUE-A registered: — → 2" in out
    assert f"session HK-A (phiên {counted['session'].pk}) checked_in: 99 → 3" in out
    assert "other_site: 0 → 1" in out
    assert "headcount: — → 5" in out
    assert "session HUE-A" in out
    assert "completion HK-A" in out and "delegates: 0 → 3" in out
    assert "8 số liệu đã sửa" in out  # registered 2, session tallies 4, completion 2

    again = CliRunner().invoke(main, ["counters", "rebuild"])
    assert again.exit_code == 0 and "không sửa gì" in again.output
    assert figures(counted) == right


def test_rebuild_of_one_site_touches_only_that_site(counted):
    conference = counted["session"].day.conference_id
    SiteRegistered.objects.update(registered=0)
    result = CliRunner().invoke(
        main, ["counters", "rebuild", "--site", "HK-B", "--conference", str(conference)]
    )
    assert result.exit_code == 0, result.output
    assert registered() == {"HK-A": 0, "HK-B": 1, "HN-P": 0, "HUE-A": 0}
    unknown = CliRunner().invoke(main, ["counters", "rebuild", "--site", "NOPE"])
    assert unknown.exit_code == 1 and "Không tìm thấy điểm cầu “NOPE”" in unknown.output


def test_rebuild_reports_progress_to_the_end(counted):
    from diemcau.attendance.recount import rebuild_counters

    seen: list[tuple[int, int]] = []
    rebuild_counters(progress=lambda done, total: seen.append((done, total)))
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] == len(seen) - 1


def test_rebuild_recounts_the_nations_minutes_and_only_the_conferences_sessions(counted, make_site):
    """The reports' curve: a minute counter that drifted (triggers bypassed) is put right."""
    session = counted["session"]
    truth: dict = {}
    for scanned in CheckIn.objects.filter(annulled_at__isnull=True).values_list(
        "scanned_at", flat=True
    ):
        start = minutes.minute_start(int(scanned.timestamp()) // 60)
        truth[start] = truth.get(start, 0) + 1
    assert minutes.per_minute(session.pk) == truth and sum(truth.values()) == 4
    (minute,) = set(CheckInMinute.objects.values_list("minute", flat=True))
    CheckInMinute.objects.all().delete()
    CheckInMinute.objects.create(session=session, minute=minute + 7, n=3)  # a minute with no scan
    CheckInMinute.objects.create(session=session, minute=minute, n=1)
    assert minutes.per_minute(session.pk) != truth

    result = CliRunner().invoke(main, ["counters", "rebuild", "--site", "HK-A"])
    assert result.exit_code == 0, result.output
    assert "minute" not in result.output  # one site's rebuild leaves the nation's curve alone

    result = CliRunner().invoke(main, ["counters", "rebuild"])
    assert result.exit_code == 0, result.output
    assert minutes.per_minute(session.pk) == truth
    at = minutes.minute_start(minute).strftime("%d/%m %H:%M UTC")
    assert f"minute cả nước (phiên {session.pk}) {at}: 1 → 4" in result.output
    assert "→ —" in result.output  # the minute nobody scanned in is gone
    again = CliRunner().invoke(main, ["counters", "rebuild"])
    assert "không sửa gì" in again.output
