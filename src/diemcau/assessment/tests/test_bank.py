import io
from typing import Any

import pytest
import xlsxwriter  # type: ignore[import-untyped]
from django.core.files.uploadedfile import SimpleUploadedFile

from diemcau.assessment.models import Question, QuestionKind
from diemcau.assessment.quiz.bank import EXAMPLES, HEADERS, write_template
from diemcau.assessment.tests.helpers import make_conference

pytestmark = pytest.mark.django_db


def _sheet(rows: list[list[str]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["NGÂN HÀNG CÂU HỎI"])
    sheet.write_row(2, 0, list(HEADERS.values()))
    for r, row in enumerate(rows, start=3):
        sheet.write_row(r, 0, row)
    book.close()
    return out.getvalue()


def _upload(api: Any, conference_id: int, data: bytes, **form: Any) -> Any:
    return api.post(
        f"/api/v1/assessment/conferences/{conference_id}/questions/import",
        {"file": SimpleUploadedFile("cau-hoi.xlsx", data), **form},
    )


def test_the_template_imports_as_it_is(api_as: Any) -> None:
    conference, _ = make_conference()
    api = api_as("central_organiser")
    template = api.get("/api/v1/assessment/template.xlsx")
    assert template.status_code == 200
    report = _upload(api, conference.pk, template.content).json()
    assert report["errors"] == [] and report["imported"] == len(EXAMPLES)
    multiple = Question.objects.get(conference=conference, kind=QuestionKind.MULTIPLE)
    assert multiple.correct == [0, 2] and multiple.topic is not None
    out = io.BytesIO()
    write_template(out)
    assert out.getvalue()[:2] == b"PK"


def test_bad_rows_are_reported_in_vietnamese_and_nothing_is_written(api_as: Any) -> None:
    conference, _ = make_conference()
    good = ["1", "một", "Câu đúng?", "Có", "Không", "", "", "", "", "A", "1", ""]
    rows = [
        good,
        ["1", "một", "Thiếu phương án?", "Có", "", "", "", "", "", "A", "1", ""],
        ["9", "một", "Chuyên đề không có?", "Có", "Không", "", "", "", "", "A", "1", ""],
        ["1", "một", "Đáp án lạ?", "Có", "Không", "", "", "", "", "D", "1", ""],
        [
            "1",
            "một",
            "Hai đáp án cho câu một lựa chọn?",
            "Có",
            "Không",
            "",
            "",
            "",
            "",
            "A,B",
            "1",
            "",
        ],
    ]
    api = api_as("central_organiser")
    report = _upload(api, conference.pk, _sheet(rows)).json()
    assert [e["row"] for e in report["errors"]] == [
        5,
        6,
        7,
        8,
    ]  # the Excel rows under the header on row 3
    assert "phương án" in report["errors"][0]["message"]
    assert not report["written"] and Question.objects.filter(conference=conference).count() == 0
    kept = _upload(api, conference.pk, _sheet(rows), skip_bad="true").json()
    assert kept["imported"] == 1 and Question.objects.filter(conference=conference).count() == 1


def test_only_central_organisers_import(api_as: Any) -> None:
    conference, _ = make_conference()
    response = _upload(api_as("province_organiser", "01"), conference.pk, _sheet([]))
    assert response.status_code == 403
