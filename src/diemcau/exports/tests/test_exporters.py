"""The three lists read back from their files: the scoped rows, the states, the formats."""

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.models import Attempt, Certificate, Reflection
from diemcau.attendance.models import SessionTally
from diemcau.attendance.tests.helpers import make_delegate, make_session, scan, world
from diemcau.conftest import HANOI, HUE
from diemcau.errors import NotFound
from diemcau.exports import services, writing
from diemcau.exports.tests.helpers import CENTRE, csv_rows, scan_in, sheets


@pytest.fixture
def w(make_site):
    return world(make_site)


def export(tmp_path: Path, scope, identifier: str, node, fmt: str = "xlsx", **kw):
    out = tmp_path / f"{identifier}-{node}.{fmt}"
    result = services.run_export(
        scope, identifier, node=node, fmt=fmt, options=kw.pop("options", {}), out=out, **kw
    )
    return result, out


def codes(rows) -> set[str]:
    return {r[0] for r in rows[1:]}


def test_a_province_organiser_gets_exactly_their_province(w, make_user, tmp_path):
    organiser = make_user("province_organiser", HANOI)
    scope = scope_for(organiser)
    people = w["people"]
    hanoi = {people[k].code for k in ("a1", "a2", "a3", "b1", "p1")}

    result, out = export(tmp_path, scope, "delegates", HANOI)
    (rows,) = sheets(out).values()
    assert codes(rows) == hanoi
    assert result.rows == 5
    result, out = export(tmp_path, scope, "delegates", HANOI, "csv")
    assert codes(csv_rows(out)) == hanoi

    with pytest.raises(NotFound):
        export(tmp_path, scope, "delegates", HUE)
    with pytest.raises(NotFound):
        export(tmp_path, scope, "delegates", "HUE-A")  # a site of another province


def test_a_site_operator_gets_their_site_only(w, make_user, tmp_path):
    operator = make_user("site_operator", "HK-A")
    people = w["people"]
    _result, out = export(tmp_path, scope_for(operator), "attendance", None)
    (rows,) = sheets(out).values()
    assert codes(rows) == {people[k].code for k in ("a1", "a2", "a3")}
    with pytest.raises(NotFound):
        export(tmp_path, scope_for(operator), "delegates", "HK-B")


def test_the_delegate_list_has_vietnamese_headers_and_masks_the_national_id(w, tmp_path):
    _result, out = export(tmp_path, CENTRE, "delegates", "HK-A")
    (rows,) = sheets(out).values()
    header = rows[0]
    assert header[:2] == ["Mã đại biểu", "Họ và tên"]
    assert "Số CCCD" in header and "Số điện thoại" in header
    cccd = header.index("Số CCCD")
    a1 = w["people"]["a1"]
    row = next(r for r in rows if r[0] == a1.code)
    assert row[cccd] == "********" + a1.national_id_last4
    assert row[header.index("Tỉnh, thành phố")] == "Thành phố Hà Nội"


def test_the_attendance_list_tells_each_way_of_being_there(w, tmp_path):
    people, sites, session = w["people"], w["sites"], w["session"]
    afternoon = make_session("13:00", "17:00")
    statuses = scan_in(
        [
            scan(people["a1"], sites["HK-A"], session),  # at their own site
            scan(people["a2"], sites["HK-B"], session),  # a guest at another site
            scan(people["a1"], sites["HK-A"], afternoon, scanned_at="2025-06-14T13:10:00+07:00"),
        ]
    )
    assert statuses == ["accepted"] * 3
    scan_in(
        [
            scan(
                people["a3"],
                sites["HK-A"],
                afternoon,
                typed=True,
                scanned_at="2025-06-14T13:20:00+07:00",
            )
        ],
        source="list",
    )
    # HK-B counted heads in the morning without scanning.
    SessionTally.objects.update_or_create(
        site=sites["HK-B"], session=session, defaults={"headcount": 30}
    )

    _result, out = export(tmp_path, CENTRE, "attendance", "00070")
    (rows,) = sheets(out).values()
    header = rows[0]
    by_code = {r[0]: r for r in rows[1:]}
    morning, late = header.index("Phiên sáng (14/06)"), header.index("Phiên sáng (14/06)") + 1
    present, counted, absent = (
        header.index(h) for h in ("Số phiên có mặt", "Số phiên chỉ có số đếm", "Số phiên vắng")
    )
    a1, a2, a3, b1 = (by_code[people[k].code] for k in ("a1", "a2", "a3", "b1"))
    assert (a1[morning], a1[late], a1[present], a1[absent]) == (
        "Có mặt (quét mã)",
        "Có mặt (quét mã)",
        2,
        0,
    )
    assert a2[morning] == "Dự ở điểm cầu khác"
    assert (a3[morning], a3[late]) == ("Vắng", "Có mặt (danh sách)")
    assert (b1[morning], b1[counted], b1[absent]) == ("Chỉ có số đếm", 1, 1)


def test_the_learning_list_has_quiz_report_and_certificate(w, make_user, tmp_path):
    people, session = w["people"], w["session"]
    conference = session.day.conference
    a1 = people["a1"]
    now = timezone.now()
    for number, score in ((1, 12), (2, 17)):
        Attempt.objects.create(
            conference=conference, delegate=a1, number=number, started_at=now,
            deadline=now, submitted_at=now, score=score, max_score=20, passed=score >= 14,
        )  # fmt: skip
    grader = make_user("province_organiser", HANOI, username="cham-bai")
    graded_at = dt.datetime(2025, 6, 20, 2, 30, tzinfo=dt.UTC)  # 09:30 in Hà Nội
    Reflection.objects.create(
        conference=conference, delegate=a1, site=a1.site, status="graded", updated_at=now,
        score=8, graded_by=grader, graded_at=graded_at,
    )  # fmt: skip
    Certificate.objects.create(
        conference=conference, delegate=a1, holder_name=a1.full_name,
        issued_on=dt.date(2025, 6, 21), code="GCN-2025-000001",
    )  # fmt: skip

    _result, out = export(tmp_path, CENTRE, "learning", "HK-A")
    (rows,) = sheets(out).values()
    header = rows[0]
    row = dict(zip(header, next(r for r in rows if r[0] == a1.code), strict=True))
    assert row["Điểm kiểm tra cao nhất"] == 17
    assert row["Kết quả kiểm tra"] == "Đạt"
    assert row["Số lần làm bài"] == 2
    assert row["Bài thu hoạch"] == "Đã chấm"
    assert row["Điểm bài thu hoạch"] == 8
    assert row["Người chấm"] == "cham-bai"
    assert row["Thời điểm chấm"] == dt.datetime(2025, 6, 20, 9, 30)
    assert row["Mã giấy chứng nhận"] == "GCN-2025-000001"
    assert row["Giấy chứng nhận"] == "Còn hiệu lực"
    assert row["Ngày cấp"] == dt.date(2025, 6, 21)
    other = dict(zip(header, next(r for r in rows if r[0] == people["a2"].code), strict=True))
    assert other["Kết quả kiểm tra"] == "" and other["Giấy chứng nhận"] == ""

    _result, out = export(tmp_path, CENTRE, "learning", "HK-A", "csv")
    rows = csv_rows(out)
    row = dict(zip(rows[0], next(r for r in rows if r[0] == a1.code), strict=True))
    assert row["Thời điểm chấm"] == "20/06/2025 09:30"
    assert row["Ngày cấp"] == "21/06/2025"


def test_typed_formulas_stay_inert_in_both_formats(w, make_site, tmp_path):
    site = make_site("00070", code="=1+1", name='=HYPERLINK("http://x","y")')
    make_delegate(site, "@SUM(A1)")
    for fmt in ("xlsx", "csv"):
        _result, out = export(tmp_path, CENTRE, "delegates", "=1+1", fmt)
        rows = next(iter(sheets(out).values())) if fmt == "xlsx" else csv_rows(out)
        (row,) = rows[1:]
        assert row[1] == "'@SUM(A1)"
        assert row[2] == "'=1+1"
        assert row[3] == '\'=HYPERLINK("http://x","y")'
    with zipfile.ZipFile(out.with_suffix(".xlsx")) as book:  # no cell of the XLSX is a formula
        assert all(b"<f>" not in book.read(n) for n in book.namelist())


def test_past_the_row_limit_the_workbook_splits_by_province(w, make_site, tmp_path):
    people = w["people"]
    # 7 delegates, sheets of 3 rows (header + 2): Hà Nội (5) needs 3 sheets, Huế (2) one.
    result, out = export(tmp_path, CENTRE, "delegates", "TW", max_rows=3)
    found = sheets(out)
    # Sheets open as the rows (in id order) reach them; a full sheet continues as "(2)".
    assert list(found) == [
        "Thành phố Hà Nội",
        "Thành phố Hà Nội (2)",
        "Thành phố Hà Nội (3)",
        "Thành phố Huế",
    ]
    assert all(rows[0][0] == "Mã đại biểu" for rows in found.values())
    hanoi = set().union(*(codes(rows) for name, rows in found.items() if "Hà Nội" in name))
    assert hanoi == {people[k].code for k in ("a1", "a2", "a3", "b1", "p1")}
    assert codes(found["Thành phố Huế"]) == {people["h1"].code, people["h2"].code}
    assert all(len(rows) <= 3 for rows in found.values())
    assert result.sheets == {name: len(rows) - 1 for name, rows in found.items()}
    # key order within each sheet
    ids = [r[0] for rows in found.values() for r in rows[1:]]
    assert len(ids) == len(set(ids)) == 7


def test_the_workbook_is_ready_to_file(w, tmp_path):
    _result, out = export(tmp_path, CENTRE, "delegates", HANOI)
    with zipfile.ZipFile(out) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        workbook = book.read("xl/workbook.xml").decode()
    assert '<pane ySplit="1"' in sheet and 'state="frozen"' in sheet
    assert "<autoFilter " in sheet and "_xlnm._FilterDatabase" in workbook
    assert "<col " in sheet  # widths
    assert '<dimension ref="A1:K6"/>' in sheet


def test_unknown_exporter_format_and_conference_are_refused(w, tmp_path):
    from diemcau.errors import Invalid

    with pytest.raises(NotFound):
        export(tmp_path, CENTRE, "orders", "TW")
    with pytest.raises(Invalid):
        export(tmp_path, CENTRE, "delegates", "TW", "pdf")
    with pytest.raises(Invalid):
        export(tmp_path, CENTRE, "attendance", "TW", options={"conference": "khong-co"})


def test_local_text_is_as_vietnamese_readers_write_it():
    moment = dt.datetime(2025, 6, 14, 0, 30, tzinfo=dt.UTC)
    assert writing.local_text(moment) == "14/06/2025 07:30"
    assert writing.local_text(dt.date(2025, 6, 14)) == "14/06/2025"


def test_kept_files_older_than_a_week_are_removed(settings, tmp_path):
    import os
    import time

    settings.DATA_DIR = tmp_path
    old = services.export_path("old", "csv")
    new = services.export_path("new", "csv")
    old.parent.mkdir(parents=True)
    old.write_text("x")
    new.write_text("y")
    week_ago = time.time() - 8 * 86400
    os.utime(old, (week_ago, week_ago))
    assert services.purge_older_than(7) == 1
    assert not old.exists() and new.exists()
