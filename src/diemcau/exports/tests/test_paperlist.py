"""Paper sign-in lists back in: through the console's batch service, once, scoped, explained."""

import io
from pathlib import Path

import pytest
import xlsxwriter

from diemcau.accounts.scopes import scope_for
from diemcau.attendance.models import CheckIn, SessionTally
from diemcau.attendance.paperlist import import_list
from diemcau.attendance.tests.helpers import scan, world
from diemcau.conftest import HANOI
from diemcau.errors import Forbidden
from diemcau.exports.tests.helpers import CENTRE, scan_in


@pytest.fixture
def w(make_site):
    return world(make_site)


def xlsx(rows: list[list[object]], title: str | None = "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ") -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    start = 0
    if title:
        sheet.write(0, 0, title)
        start = 2
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(start + r, c, value)
    book.close()
    return out.getvalue()


def save(tmp_path: Path, content: bytes, name: str = "ds.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_a_list_is_checked_first_then_recorded_once(w, make_user, tmp_path):
    people, session = w["people"], w["session"]
    hk_a = w["sites"]["HK-A"]
    path = save(
        tmp_path,
        xlsx(
            [
                ["STT", "Mã đại biểu", "Họ và tên", "Thời gian"],
                [1, people["a1"].code, "Nguyễn Văn An", "07:45"],
                [2, people["a2"].code.lower(), "Trần Thị Bình", ""],
                [3, "ZZZZZZZZ", "Không có", ""],
                [4, people["a1"].code, "Nguyễn Văn An (ghi hai lần)", ""],
                [5, people["a3"].code, "Lê Văn Cường", "23:59"],
            ]
        ),
    )
    operator = make_user("site_operator", "HK-A")
    scope = scope_for(operator)

    trial = import_list(scope, path, session=session.pk, dry_run=True, user_id=operator.pk)
    assert (trial.rows, trial.recorded, trial.already, trial.bad) == (5, 2, 1, 2)
    assert not CheckIn.objects.exists()
    reasons = {e["row"]: e["reason"] for e in trial.errors}
    assert reasons[6] == "ZZZZZZZZ: không tìm thấy đại biểu."
    assert "ngoài giờ điểm danh" in reasons[8]

    done = import_list(scope, path, session=session.pk, dry_run=False, user_id=operator.pk)
    assert (done.recorded, done.already, done.bad) == (2, 1, 2)
    rows = CheckIn.objects.filter(session=session).values_list("delegate_id", "source", "site_id")
    assert set(rows) == {(people["a1"].pk, "list", hk_a.pk), (people["a2"].pk, "list", hk_a.pk)}
    assert SessionTally.objects.get(site=hk_a, session=session).checked_in == 2

    again = import_list(scope, path, session=session.pk, dry_run=False, user_id=operator.pk)
    assert (again.recorded, again.already, again.bad) == (0, 3, 2)
    assert CheckIn.objects.count() == 2
    assert SessionTally.objects.get(site=hk_a, session=session).checked_in == 2


def test_a_scanned_delegate_on_the_list_counts_once(w, tmp_path):
    people, sites, session = w["people"], w["sites"], w["session"]
    scan_in([scan(people["a1"], sites["HK-A"], session)])
    path = save(
        tmp_path, f"Mã đại biểu;Phiên\n{people['a1'].code};{session.pk}\n".encode(), "a.csv"
    )
    report = import_list(CENTRE, path, dry_run=False)
    assert (report.recorded, report.already) == (0, 1)
    assert CheckIn.objects.get().source == "scan"


def test_a_list_by_national_id_and_the_scope(w, make_user, tmp_path):
    from diemcau.delegates.pii import national_id_hash

    people, session = w["people"], w["session"]
    a1, h1 = people["a1"], people["h1"]
    a1.national_id_hash = national_id_hash("001090000001")
    a1.save()
    h1.national_id_hash = national_id_hash("046090000002")
    h1.save()
    path = save(
        tmp_path,
        xlsx(
            [
                ["Số CCCD", "Phiên"],
                ["001090000001", session.pk],
                ["046090000002", session.pk],  # in Huế: outside a Hà Nội organiser's scope
                ["12345", session.pk],
                ["001090000001", 999999],
            ],
            title=None,
        ),
    )
    organiser = make_user("province_organiser", HANOI)
    report = import_list(scope_for(organiser), path, dry_run=False)
    assert (report.recorded, report.bad) == (1, 3)
    reasons = [e["reason"] for e in report.errors]
    assert reasons[0] == "046090000002: không tìm thấy đại biểu."
    assert reasons[1].startswith("Số CCCD “12345”")
    assert reasons[2] == "001090000001: không có phiên này."
    assert CheckIn.objects.get().delegate_id == a1.pk


def test_a_viewer_may_not_record_and_a_file_without_header_is_explained(w, make_user, tmp_path):
    people, session = w["people"], w["session"]
    viewer = make_user("viewer", HANOI)
    path = save(tmp_path, xlsx([["Mã đại biểu"], [people["a1"].code]]))
    with pytest.raises(Forbidden):
        import_list(scope_for(viewer), path, session=session.pk, dry_run=False)
    assert not CheckIn.objects.exists()

    path = save(tmp_path, xlsx([["Tên"], ["An"]]), "x.xlsx")
    report = import_list(CENTRE, path, session=session.pk)
    assert "Không tìm thấy dòng tiêu đề" in report.fatal
    path = save(tmp_path, xlsx([["Mã đại biểu"], [people["a1"].code]]), "y.xlsx")
    report = import_list(CENTRE, path)
    assert "không có cột “Phiên”" in report.fatal
