from typing import Any

import pytest

from diemcau.accounts.scopes import scope_for
from diemcau.assessment import conference_settings
from diemcau.assessment.certificates import services as certificates
from diemcau.assessment.tests.helpers import world
from diemcau.assessment.tests.test_completion import complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_site: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    return world(make_site)


def test_central_organiser_edits_settings_and_sees_the_bank(w: dict[str, Any], web_as: Any) -> None:
    client = web_as("central_organiser")
    url = f"/assessment/{w['conference'].pk}/"
    page = client.get(url).content.decode()
    assert "Ngân hàng câu hỏi" in page and "Câu hỏi số 1?" in page
    assert client.get("/assessment/").status_code == 200
    form = {
        "draw_size": "5",
        "time_limit_minutes": "15",
        "pass_percent": "80",
        "max_attempts": "3",
        "prompts": "Điều tâm đắc\nĐề xuất",
        "min_chars": "10",
        "max_chars": "500",
        "report_max_score": "10",
        "min_sessions": "2",
        "require_quiz": "on",
        "min_report_score": "6",
        "certificate_title": "GIẤY KHEN",
        "signer_name": "A",
        "signer_title": "B",
    }
    client.post(url, form)
    saved = conference_settings.settings_for(w["conference"].pk)
    assert (saved.draw_size, saved.pass_percent, saved.prompts) == (
        5,
        80,
        ["Điều tâm đắc", "Đề xuất"],
    )


def test_province_organiser_reads_but_cannot_change_and_operators_see_nothing(
    w: dict[str, Any], web_as: Any, make_user: Any
) -> None:
    url = f"/assessment/{w['conference'].pk}/"
    hanoi = web_as("province_organiser", "01")
    assert hanoi.get(url).status_code == 200
    assert hanoi.post(url, {"draw_size": "1"}).status_code == 403
    assert conference_settings.settings_for(w["conference"].pk).draw_size == 4
    operator = web_as("site_operator", "HK-A")
    assert operator.get(url).status_code == 404


def test_certificate_pages(w: dict[str, Any], web_as: Any, make_user: Any) -> None:
    complete(w, "an", scope_for(make_user("central_organiser")))
    cert = certificates.issue(w["an"], w["conference"].pk)
    hanoi = web_as("province_organiser", "01")
    conf_id = w["conference"].pk
    assert "Nguyễn Văn An" in hanoi.get(f"/assessment/{conf_id}/certificates/").content.decode()
    pdf = hanoi.get(f"/assessment/{conf_id}/certificates/site/?site=HK-A")
    assert pdf["Content-Type"] == "application/pdf"
    assert (
        web_as("province_organiser", "46")
        .post(f"/assessment/certificates/{cert.pk}/revoke/")
        .status_code
        == 404
    )
    hanoi.post(f"/assessment/certificates/{cert.pk}/revoke/", {"reason": "Sai tên"})
    assert certificates.verify(cert.code)["status"] == "revoked"
    completion = hanoi.get(f"/assessment/{conf_id}/completion/?unit=01").content.decode()
    assert "HK-A" in completion and "HUE-A" not in completion
