import io
import zipfile
from typing import Any

import pytest

from diemcau.assessment.links import token_for
from diemcau.assessment.models import ReportStatus
from diemcau.assessment.reflections import services as reflections
from diemcau.assessment.tests.helpers import passed_client, world
from diemcau.errors import Invalid

pytestmark = pytest.mark.django_db
TEXT = ["Tôi đã học về mô hình chính quyền địa phương hai cấp.", "Áp dụng tại xã."]


@pytest.fixture
def w(make_site: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    return world(make_site)


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_draft_then_submit_within_the_limits(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    draft = reflections.save_text(w["an"], conf_id, ["ngắn"])
    assert draft.status == ReportStatus.DRAFT
    with pytest.raises(Invalid, match=r"quá ngắn|too short"):
        reflections.save_text(w["an"], conf_id, ["ngắn"], final=True)
    with pytest.raises(Invalid):
        reflections.save_text(w["an"], conf_id, ["x" * 2001])
    done = reflections.save_text(w["an"], conf_id, TEXT, final=True)
    assert done.status == ReportStatus.SUBMITTED
    with pytest.raises(Invalid):
        reflections.save_text(w["an"], conf_id, TEXT)


def test_uploads_are_checked_by_their_bytes(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    with pytest.raises(Invalid):
        reflections.upload(w["an"], conf_id, "bai.pdf", b"MZ\x90\x00 not a pdf")
    fake_docx = io.BytesIO()
    with zipfile.ZipFile(fake_docx, "w") as archive:
        archive.writestr("payload.exe", "x")
    with pytest.raises(Invalid):
        reflections.upload(w["an"], conf_id, "bai.docx", fake_docx.getvalue())
    with pytest.raises(Invalid):
        reflections.upload(
            w["an"], conf_id, "bai.pdf", b"%PDF-" + b"0" * reflections.MAX_UPLOAD_BYTES
        )
    report = reflections.upload(w["an"], conf_id, "bai thu hoach.docx", _docx())
    assert (report.status, report.file_kind) == (ReportStatus.SUBMITTED, "docx")
    pdf = reflections.upload(w["binh"], conf_id, "bai.PDF", b"%PDF-1.7\n%%EOF")
    assert pdf.file_kind == "pdf"


def test_report_page_through_the_link(w: dict[str, Any]) -> None:
    client = passed_client(w["an"])
    url = f"/hoc-vien/{token_for(w['an'])}/{w['conference'].pk}/report/"
    assert "Những điều đã học" in client.get(url).content.decode()
    client.post(url, {"a0": TEXT[0], "a1": TEXT[1], "submit": "1"})
    assert reflections.reflection_of(w["an"], w["conference"].pk).status == "submitted"


def test_graders_grade_within_their_province(w: dict[str, Any], api_as: Any) -> None:
    conf_id = w["conference"].pk
    hanoi = reflections.save_text(w["an"], conf_id, TEXT, final=True)
    hue = reflections.save_text(w["hoa"], conf_id, TEXT, final=True)
    hn_grader = api_as("province_organiser", "01")
    queue = hn_grader.get(f"/api/v1/assessment/conferences/{conf_id}/reports/queue").json()
    assert [r["id"] for r in queue["items"]] == [hanoi.pk]
    assert (
        hn_grader.post(
            f"/api/v1/assessment/reports/{hue.pk}/grade",
            {"score": 8},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert (
        hn_grader.post(
            f"/api/v1/assessment/reports/{hanoi.pk}/grade",
            {"score": 11},
            content_type="application/json",
        ).status_code
        == 422
    )
    graded = hn_grader.post(
        f"/api/v1/assessment/reports/{hanoi.pk}/grade",
        {"score": 8, "comment": "Tốt"},
        content_type="application/json",
    )
    assert graded.json()["status"] == "graded"
    hue_grader = api_as("province_organiser", "46")
    queue = hue_grader.get(f"/api/v1/assessment/conferences/{conf_id}/reports/queue").json()
    assert [r["id"] for r in queue["items"]] == [hue.pk]


def test_grading_page_shows_only_the_province(w: dict[str, Any], web_as: Any) -> None:
    conf_id = w["conference"].pk
    reflections.save_text(w["an"], conf_id, TEXT, final=True)
    hue = reflections.save_text(w["hoa"], conf_id, TEXT, final=True)
    page = web_as("province_organiser", "01").get(f"/assessment/{conf_id}/grading/")
    body = page.content.decode()
    assert "Nguyễn Văn An" in body and "Lê Thị Hoa" not in body
    other = web_as("province_organiser", "01").post(
        f"/assessment/reports/{hue.pk}/grade/", {"score": "5"}
    )
    assert other.status_code == 404
