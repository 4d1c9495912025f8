"""The delegate import on messy files: one test per kind of mess a real list has."""

import unicodedata

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.conftest import HOAN_KIEM, first_commune
from diemcau.delegates.codes import code_for
from diemcau.delegates.importing import import_delegates
from diemcau.delegates.models import Delegate
from diemcau.delegates.pii import national_id_hash
from diemcau.delegates.tests.helpers import csv_file, xlsx_file

pytestmark = pytest.mark.django_db

EVERYTHING = Scope(user_id=0, everything=True)
HUE = "46"


@pytest.fixture
def hn_site(make_site):
    return make_site(HOAN_KIEM, code="HK-01")


@pytest.fixture
def hue_site(make_site):
    return make_site(first_commune(HUE).code, code="HUE-01")


def messages(report):
    return [(e.row, e.column, e.message) for e in report.errors]


def test_clean_file_is_stored_with_the_cccd_only_as_keyed_hash_and_last_four(hn_site):
    data = csv_file(
        [
            ["HK-01", "Nguyễn Văn An", "001085012345", "Chủ tịch", "UBND phường", "0912345678"],
            ["HK-01", "Trần Thị Bình", "001190054321", "", "", ""],
        ]
    )
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert report.ok and report.written, messages(report)
    assert (report.total_rows, report.created) == (2, 2)
    an = Delegate.objects.get(full_name="Nguyễn Văn An")
    assert an.site == hn_site and an.province_id == hn_site.province_id
    assert an.national_id_last4 == "2345"
    assert an.national_id_hash == national_id_hash("001085012345")
    assert an.phone == "0912345678" and an.position == "Chủ tịch"
    assert an.code == code_for(an.pk) and len(an.secret) == 32
    assert abs((timezone.now() - an.created_at).total_seconds()) < 60
    assert "0010850" not in an.code + an.secret
    with connection.cursor() as cursor:  # the clear number is in no column of the table
        cursor.execute("SELECT * FROM delegates_delegate")
        for row in cursor.fetchall():
            assert not any("001085012345" in str(v) or "001190054321" in str(v) for v in row)


def test_title_block_and_header_variants_without_diacritics(hn_site):
    data = csv_file(
        [["1", "hk-01", "Lê Văn Cường", "012345678901", "0987654321", "Ban Tổ chức"]],
        header=["STT", "Ma diem cau", "HO VA TEN", "So CCCD (12 so)", "SĐT", "Thành phần"],
        above=[["DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ"], ["Điểm cầu: phường Hoàn Kiếm"], []],
    )
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert report.ok, messages(report)
    assert report.header_row == 4
    cuong = Delegate.objects.get()
    assert (cuong.site, cuong.group, cuong.phone) == (hn_site, "Ban Tổ chức", "0987654321")


def test_semicolon_csv_and_nfd_text_with_stray_spaces_are_stored_nfc(hn_site):
    name = unicodedata.normalize("NFD", "  Phạm   Thị Hồng  ")
    data = csv_file(
        [["HK-01", name, "001190000001", unicodedata.normalize("NFD", "Phó  Bí thư")]],
        delimiter=";",
    )
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert report.ok, messages(report)
    delegate = Delegate.objects.get()
    assert delegate.full_name == "Phạm Thị Hồng"
    assert unicodedata.is_normalized("NFC", delegate.full_name)
    assert delegate.position == "Phó Bí thư"


@pytest.mark.parametrize(
    ("cell", "digits"),
    [
        ("12345678901", "012345678901"),  # Excel dropped the leading zero
        ("1234567890", "001234567890"),  # two zeros (born in Hà Nội: 001…)
        ("12345678901.0", "012345678901"),  # read back as a float
        ("1.2345678901E+10", "012345678901"),  # scientific, every digit still there
        ("1,2345678901E+10", "012345678901"),  # the same with a Vietnamese decimal comma
        ("'012345678901", "012345678901"),  # the apostrophe that makes Excel keep text
        ("012 345 678 901", "012345678901"),
        ("012.345.678.901", "012345678901"),
    ],
)
def test_cccd_that_excel_turned_into_a_number_is_restored_exactly(hn_site, cell, digits):
    report = import_delegates(
        EVERYTHING, csv_file([["HK-01", "Ngô Văn Dũng", cell]]), filename="a.csv"
    )
    assert report.ok, messages(report)
    assert Delegate.objects.get().national_id_hash == national_id_hash(digits)


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("1.23457E+11", "mất chữ số"),
        ("1,23457E+11", "mất chữ số"),
        ("123456789", "CMND"),
        ("12345", "thiếu 7 chữ số (CCCD có 12 chữ số)"),
        # Typed with its leading 0 but one digit short: not padded and blamed on "000".
        ("00123456789", "có 11 chữ số: thiếu 1 chữ số (CCCD có 12 chữ số)"),
        ("01234567890", "thiếu 1 chữ số (CCCD có 12 chữ số)"),
        ("0012345678", "thiếu 2 chữ số"),
        ("97123456789", "thiếu 1 chữ số"),  # padding would give no province: a digit is missing
        ("123456789012", "bắt đầu bằng số 0"),
        ("099123456789", "ba số đầu “099”"),
        ("0012345678901", "có 13 chữ số"),
        ("không có", "không phải số CCCD"),
    ],
)
def test_unrecoverable_or_invalid_cccd_is_reported_not_guessed(hn_site, cell, words):
    report = import_delegates(
        EVERYTHING, csv_file([["HK-01", "Ngô Văn Dũng", cell]]), filename="a.csv"
    )
    assert not report.ok and not report.written
    [(row, column, message)] = messages(report)
    assert (row, column) == (2, "Số CCCD")
    assert words in message
    assert not Delegate.objects.exists()


def test_xlsx_with_numbers_in_cells_and_phone_formats(hn_site):
    rows = [
        ["HK-01", "Đỗ Thị Hà", 12345678901, "", "", 912345678],  # both lost their zero
        ["HK-01", "Vũ Văn Hải", "001085000002", "", "", "+84 912 345 679"],
        ["HK-01", "Bùi Văn Hùng", "001085000003", "", "", "84912345670"],
        ["HK-01", "Hồ Thị Hoa", "001085000004", "", "", "091.234.5671"],
        ["HK-01", "Đinh Văn Khoa", "001085000005", "", "", "(024) 3825 1234"],
        ["HK-01", "Lý Thị Mai", "001085000006", "", "", "12345"],
    ]
    report = import_delegates(EVERYTHING, xlsx_file(rows), filename="a.xlsx", skip_bad=True)
    assert report.written and report.created == 5
    phones = dict(Delegate.objects.values_list("full_name", "phone"))
    assert phones == {
        "Đỗ Thị Hà": "0912345678",
        "Vũ Văn Hải": "0912345679",
        "Bùi Văn Hùng": "0912345670",
        "Hồ Thị Hoa": "0912345671",
        "Đinh Văn Khoa": "02438251234",
    }
    assert Delegate.objects.get(full_name="Đỗ Thị Hà").national_id_hash == national_id_hash(
        "012345678901"
    )
    [(row, column, message)] = messages(report)
    assert (row, column) == (7, "Số điện thoại")
    assert "không phải số điện thoại" in message


def test_duplicates_in_the_file_name_the_earlier_row_and_nothing_is_written(hn_site):
    data = csv_file(
        [
            ["HK-01", "Nguyễn Văn An", "001085012345"],
            ["HK-01", "Trần Văn Bình", "001085099999"],
            ["HK-01", "Nguyễn Văn An", "1085012345"],  # the same number, zero dropped
        ]
    )
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert not report.written
    [(row, column, message)] = messages(report)
    assert (row, column) == (4, "Số CCCD")
    assert "trùng với dòng 2" in message
    assert not Delegate.objects.exists()


def test_reimport_reports_duplicates_against_the_database_and_writes_nothing(hn_site):
    rows = [["HK-01", "Nguyễn Văn An", "001085012345"], ["HK-01", "Trần Bình", "001085099999"]]
    first = import_delegates(EVERYTHING, csv_file(rows), filename="a.csv")
    assert first.written and first.created == 2
    codes = dict(Delegate.objects.values_list("full_name", "code"))

    again = import_delegates(EVERYTHING, csv_file(rows), filename="a.csv")
    assert not again.written and not again.ok
    assert Delegate.objects.count() == 2
    assert [(e.row, e.column) for e in again.errors] == [(2, "Số CCCD"), (3, "Số CCCD")]
    assert f"đại biểu mã {codes['Nguyễn Văn An']} (điểm cầu HK-01)" in again.errors[0].message
    assert "…2345" in again.errors[0].message and "001085012345" not in again.errors[0].message


def test_duplicate_outside_the_callers_scope_does_not_reveal_the_delegate(
    make_user, hn_site, hue_site
):
    import_delegates(
        EVERYTHING, csv_file([["HUE-01", "Hồ Văn Huế", "046085000001"]]), filename="a.csv"
    )
    hanoi = scope_for(make_user("province_organiser", "01"))
    report = import_delegates(
        hanoi, csv_file([["HK-01", "Hồ Văn Huế", "046085000001"]]), filename="a.csv"
    )
    [(_, _, message)] = messages(report)
    assert "ngoài phạm vi của bạn" in message
    assert Delegate.objects.get().code not in message and "HUE-01" not in message


def test_unknown_and_foreign_site_codes_are_row_errors(make_user, hn_site, hue_site):
    hanoi = scope_for(make_user("province_organiser", "01"))
    data = csv_file(
        [
            ["HK-01", "Nguyễn Văn An", "001085012345"],
            ["HUE-01", "Hồ Văn Huế", "046085000001"],
            ["KHONG-CO", "Lê Văn Lạ", "001085000009"],
            ["", "Lê Văn Thiếu", "001085000010"],
        ]
    )
    report = import_delegates(hanoi, data, filename="a.csv")
    assert not report.written
    assert messages(report) == [
        (
            3,
            "Mã điểm cầu",
            "Điểm cầu “HUE-01” ngoài phạm vi quản lý của bạn; không được thêm đại biểu.",
        ),
        (4, "Mã điểm cầu", "Không có điểm cầu mã “KHONG-CO”."),
        (5, "Mã điểm cầu", "Thiếu mã điểm cầu."),
    ]
    report = import_delegates(hanoi, data, filename="a.csv", skip_bad=True)
    assert report.written and report.created == 1 and report.bad_rows == 3
    assert list(Delegate.objects.values_list("site__code", flat=True)) == ["HK-01"]


def test_site_operator_may_import_only_into_their_own_site(make_user, make_site, hn_site):
    make_site(HOAN_KIEM, code="HK-02")
    operator = scope_for(make_user("site_operator", "HK-02"))
    data = csv_file(
        [["HK-02", "Nguyễn Văn An", "001085012345"], ["HK-01", "Trần Bình", "001085099999"]]
    )
    report = import_delegates(operator, data, filename="a.csv", skip_bad=True)
    assert report.created == 1
    assert "ngoài phạm vi quản lý" in report.errors[0].message


def test_empty_rows_are_skipped_and_missing_name_or_cccd_reported(hn_site):
    data = csv_file(
        [
            ["HK-01", "Nguyễn Văn An", "001085012345"],
            ["", "", "", "", "", ""],
            [" ", "  ", ""],
            ["HK-01", "", "001085000002"],
            ["HK-01", "Trần Bình", ""],
        ]
    )
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert report.empty_rows == 2 and report.total_rows == 3
    assert messages(report) == [
        (5, "Họ và tên", "Thiếu họ và tên."),
        (6, "Số CCCD", "Thiếu số CCCD."),
    ]


def test_dry_run_counts_and_writes_nothing(hn_site):
    data = csv_file([["HK-01", "Nguyễn Văn An", "001085012345"]])
    report = import_delegates(EVERYTHING, data, filename="a.csv", dry_run=True)
    assert report.ok and report.created == 1 and not report.written
    assert "Chưa ghi gì" in report.summary()
    assert not Delegate.objects.exists()


def test_file_without_a_usable_header_is_refused(hn_site):
    report = import_delegates(
        EVERYTHING, csv_file([["HK-01", "x"]], header=["Tên", "Ghi chú"]), filename="a.csv"
    )
    assert not report.ok and "Không tìm thấy dòng tiêu đề" in report.summary()
    report = import_delegates(
        EVERYTHING,
        csv_file([["HK-01", "An"]], header=["Mã điểm cầu", "Họ và tên"]),
        filename="a.csv",
    )
    assert not report.ok and "thiếu cột bắt buộc: “Số CCCD”" in report.summary()
    report = import_delegates(EVERYTHING, csv_file([]), filename="a.pdf")
    assert not report.ok and "Không đọc được loại tệp" in report.summary()


def test_invalid_email_and_too_long_text_are_reported(hn_site):
    data = csv_file(
        [["HK-01", "An", "001085012345", "x" * 300, "", "", "khong-phai-email"]],
        header=["Mã điểm cầu", "Họ và tên", "CCCD", "Chức vụ", "Nơi công tác", "Tổ", "Email"],
    )
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "Chức vụ"), (2, "Email")]
    assert report.bad_rows == 1


def test_progress_is_reported_to_the_end(hn_site):
    calls = []
    rows = [["HK-01", f"Người {i}", f"0010850{i:05d}"] for i in range(3)]
    import_delegates(
        EVERYTHING, csv_file(rows), filename="a.csv", progress=lambda d, t: calls.append((d, t))
    )
    assert calls and calls[-1][0] == calls[-1][1] >= 3


@pytest.mark.parametrize("skip_bad", [False, True])
def test_bad_row_after_chunks_were_written_rolls_everything_back(monkeypatch, hn_site, skip_bad):
    monkeypatch.setattr("diemcau.delegates.importing.CHUNK", 2)  # write while still checking
    rows = [["HK-01", f"Người {i}", f"0010850{i:05d}"] for i in range(7)]
    rows.append(["HK-01", "Người lỗi", "1.23457E+11"])
    report = import_delegates(EVERYTHING, csv_file(rows), filename="a.csv", skip_bad=skip_bad)
    assert report.created == 7 and report.bad_rows == 1
    assert report.written is skip_bad
    assert Delegate.objects.count() == (7 if skip_bad else 0)
    if skip_bad:  # ids and codes follow the file order across chunks
        ordered = list(Delegate.objects.order_by("id").values_list("full_name", "code", "id"))
        assert [name for name, _, _ in ordered] == [f"Người {i}" for i in range(7)]
        assert all(code == code_for(pk) for _, code, pk in ordered)


def test_bulk_load_into_an_empty_table_rebuilds_indexes_and_uniqueness(hn_site):
    rows = [["HK-01", "Nguyễn Văn An", "001085012345"], ["HK-01", "Trần Bình", "001085099999"]]
    assert import_delegates(EVERYTHING, csv_file(rows), filename="a.csv").written
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "delegates_delegate")
    names = set(found)
    targets = {tuple(c["foreign_key"]) for c in found.values() if c["foreign_key"]}
    assert {("sites_site", "id"), ("units_unit", "id")} <= targets
    assert {
        "delegates_site_idx",
        "delegates_province_site_idx",
        "delegates_national_id_hash_unique",
    } <= names
    twin = Delegate.objects.get(full_name="Trần Bình")
    twin.pk, twin.code = None, "TWIN"
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_old_mac_line_endings_and_a_ten_digit_landline(hn_site):
    data = csv_file(
        [
            ["HK-01", "Nguyễn Văn An", "001085012345", "", "", "0212345678"],
            ["HK-01", "Trần Bình", "001085099999", "", "", "0912345678"],
        ]
    )
    data = type(data)(data.getvalue().replace(b"\r\n", b"\r"))
    report = import_delegates(EVERYTHING, data, filename="a.csv")
    assert report.total_rows == 2
    [(row, column, message)] = messages(report)
    assert (row, column) == (2, "Số điện thoại") and "0212345678" in message


@pytest.mark.parametrize("dry_run", [False, True])
def test_skipping_bad_rows_when_every_row_is_bad_says_so_and_why(hn_site, dry_run):
    """Skip was chosen already: the report must not advise choosing it, but name the problem."""
    rows = [["HK-01", "Ngô Văn Dũng", "00123456789"], ["HK-01", "Lê Thị Em", "12345"]]
    report = import_delegates(
        EVERYTHING, csv_file(rows), filename="a.csv", skip_bad=True, dry_run=dry_run
    )
    summary = report.summary()
    assert not report.written and not Delegate.objects.exists()
    assert "bỏ qua dòng lỗi" not in summary and "chọn bỏ qua" not in summary
    assert "cả 2 trong 2 dòng đều có lỗi" in summary
    assert "cột “Số CCCD”: 2 lỗi" in summary  # where the problems are…
    assert "ví dụ dòng 2:" in summary and "thiếu 1 chữ số" in summary  # …and one of them
    assert "“000”" not in summary
