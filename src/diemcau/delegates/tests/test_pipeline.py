"""The two-process import gives exactly what the one-process import gives."""

import pytest

from diemcau.accounts.scopes import Scope
from diemcau.conftest import HOAN_KIEM
from diemcau.delegates import pipeline
from diemcau.delegates.importing import import_delegates
from diemcau.delegates.models import Delegate
from diemcau.delegates.tests.helpers import csv_file

pytestmark = [
    pytest.mark.django_db,
    # Python warns about fork() while other threads exist (see the `forked` fixture).
    pytest.mark.filterwarnings("ignore:.*multi-threaded.*:DeprecationWarning"),
]

EVERYTHING = Scope(user_id=0, everything=True)
FIELDS = ("code", "site_id", "full_name", "position", "phone", "national_id_hash", "secret")


def rows(n: int, bad_at: int | None = None) -> list[list[str]]:
    out = []
    for i in range(n):
        cccd = f"001{i:09d}" if i != bad_at else "12345"
        out.append(["HK-01", f"Nguyễn Văn {i}", cccd, "Chuyên viên", "UBND", "0912345678"])
    return out


@pytest.fixture
def forked(monkeypatch):
    """Force the two-process path (and prove it ran) for files of any size."""
    calls = []
    real = pipeline.check_in_child

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "MIN_ROWS", 1)
    monkeypatch.setattr(pipeline, "check_in_child", spy)
    # Earlier tests may leave daemon threads (the heartbeat flusher) in this process; the child
    # runs only the check, which takes none of their locks.
    monkeypatch.setattr(pipeline, "single_threaded", lambda: True)
    return calls


def test_forked_import_writes_the_same_rows_and_progress(make_site, forked):
    make_site(HOAN_KIEM, code="HK-01")
    seen = []
    report = import_delegates(
        EVERYTHING, csv_file(rows(45_000)), filename="a.csv", progress=lambda d, t: seen.append(d)
    )
    assert forked == [1]
    assert report.ok and report.written and report.created == 45_000
    assert Delegate.objects.count() == 45_000
    assert 40_000 in seen and seen[-1] >= 45_000  # progress came back from the child
    first = Delegate.objects.order_by("pk").first()
    assert first is not None and first.full_name == "Nguyễn Văn 0"
    assert len(set(Delegate.objects.values_list("secret", flat=True))) == 45_000


def test_forked_import_reports_bad_rows_and_writes_nothing(make_site, forked):
    make_site(HOAN_KIEM, code="HK-01")
    report = import_delegates(EVERYTHING, csv_file(rows(30_000, bad_at=25_000)), filename="a.csv")
    assert forked == [1]
    assert not report.written and report.bad_rows == 1
    assert report.errors[0].row == 25_002  # header on line 1, first data row on line 2
    assert Delegate.objects.count() == 0


def test_forked_and_in_process_skip_bad_agree(make_site, forked, monkeypatch):
    make_site(HOAN_KIEM, code="HK-01")
    data = rows(25_000, bad_at=30)
    two = import_delegates(EVERYTHING, csv_file(data), filename="a.csv", skip_bad=True)
    two_rows = list(Delegate.objects.order_by("pk").values_list(*FIELDS[2:6]))
    Delegate.objects.all().delete()
    monkeypatch.setenv("DIEMCAU_IMPORT_FORK", "0")
    one = import_delegates(EVERYTHING, csv_file(data), filename="a.csv", skip_bad=True)
    one_rows = list(Delegate.objects.order_by("pk").values_list(*FIELDS[2:6]))
    assert forked == [1]  # the second import stayed in process
    assert two.as_dict() == one.as_dict()
    assert two_rows == one_rows and len(one_rows) == 24_999
