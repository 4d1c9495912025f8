"""Requests that once answered 500 (issue 16) now answer a clear 4xx in Vietnamese, and the
certificate template preview answers its GET (a `{which}` route used to catch it: 405)."""

from typing import Any

import pytest

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.certificates import services as certificates
from diemcau.assessment.models import AssessmentSettings, Certificate
from diemcau.assessment.tests.helpers import world
from diemcau.assessment.tests.test_completion import complete
from diemcau.programme.models import Conference

pytestmark = pytest.mark.django_db
MISSING = 999_999


@pytest.fixture
def w(make_site: Any, make_user: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    found = world(make_site)
    central = scope_for(make_user("central_organiser"))
    complete(found, "an", central)
    found["central"] = central
    return found


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_certificate_batch_for_a_missing_conference_is_404(w: dict[str, Any], api_as: Any) -> None:
    api = api_as("central_organiser")
    response = api.post(
        "/api/v1/assessment/certificates/batch",
        {"conference": MISSING, "unit": "01"},
        content_type="application/json",
    )
    assert _error(response, 404)["detail"] == "Không tìm thấy hội nghị."


def test_completion_of_a_missing_conference_is_404_and_writes_nothing(
    w: dict[str, Any], api_as: Any
) -> None:
    api = api_as("central_organiser")
    for url in ("/api/v1/assessment/completion", "/api/v1/completion"):
        response = api.get(url, {"conference": MISSING, "unit": "01"})
        assert _error(response, 404)["detail"] == "Không tìm thấy hội nghị."
    assert not AssessmentSettings.objects.filter(conference_id=MISSING).exists()


def test_reading_settings_does_not_open_a_conference_to_delegates(
    w: dict[str, Any], api_as: Any
) -> None:
    """A GET must not write: reading a conference's settings made its settings row, which is
    what lets delegates in and makes it the default conference."""
    other = Conference.objects.create(
        slug="khac", name="Hội nghị khác", host="Ban", starts_on="2025-07-01", ends_on="2025-07-01"
    )
    api = api_as("central_organiser")
    for url in (
        f"/api/v1/assessment/conferences/{other.pk}/settings",
        f"/api/v1/assessment/conferences/{other.pk}/grading-rule",
        f"/api/v1/assessment/conferences/{other.pk}/certificate-template",
        f"/api/v1/assessment/completion?conference={other.pk}",
    ):
        assert api.get(url).status_code == 200, url
    assert not AssessmentSettings.objects.filter(conference=other).exists()


def test_negative_offset_of_the_grading_queue_is_422(w: dict[str, Any], api_as: Any) -> None:
    api = api_as("central_organiser")
    url = f"/api/v1/assessment/conferences/{w['conference'].pk}/reports/queue"
    body = _error(api.get(url, {"offset": -1}), 422)
    assert body["detail"] == "Một số trường không hợp lệ."
    assert body["fields"] == {"offset": "Phải từ 0 trở lên."}
    assert api.get(url, {"offset": 0}).status_code == 200


def test_reissuing_a_certificate_already_reissued_is_422_with_the_code_to_use(
    w: dict[str, Any], api_as: Any
) -> None:
    old = certificates.issue(w["an"], w["conference"].pk)
    api = api_as("central_organiser")
    url = f"/api/v1/assessment/certificates/{old.pk}/reissue"
    first = api.post(url, {}, content_type="application/json")
    assert first.status_code == 200
    again = _error(api.post(url, {}, content_type="application/json"), 422)
    assert first.json()["code"] in again["detail"]
    assert again["fields"] == {"certificate": first.json()["code"]}
    valid = Certificate.objects.filter(delegate=w["an"], revoked_at=None)
    assert list(valid.values_list("code", flat=True)) == [first.json()["code"]]
    newest = api.post(
        f"/api/v1/assessment/certificates/{first.json()['id']}/reissue",
        {},
        content_type="application/json",
    )
    assert newest.status_code == 200  # the replacement itself can be reissued


def test_certificate_template_preview_answers_a_pdf(w: dict[str, Any], api_as: Any) -> None:
    api = api_as("central_organiser")
    url = f"/api/v1/assessment/conferences/{w['conference'].pk}/certificate-template/preview.pdf"
    response = api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    hue = api_as("viewer", "46")
    assert hue.get(url).status_code == 404  # organisers only: outside, it does not exist


def test_assigning_reports_as_a_viewer_is_refused_before_the_count_is_judged(
    w: dict[str, Any], api_as: Any
) -> None:
    viewer = api_as("viewer", "01")
    response = viewer.post(
        f"/api/v1/assessment/conferences/{w['conference'].pk}/reports/assign",
        {"count": 0, "graders": []},
        content_type="application/json",
    )
    _error(response, 404)  # not a grader: the page does not exist for them (not "count 0")
