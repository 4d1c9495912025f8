"""A report's difficulty or proposal sent to the questions pipeline, once."""

from typing import Any

import pytest
from django.test import Client

from diemcau.accounts.scopes import scope_for
from diemcau.accounts.services import issue_token
from diemcau.assessment.models import SentQuestion
from diemcau.assessment.reflections import services as forwarding
from diemcau.assessment.reflections import services as reflections
from diemcau.assessment.tests.helpers import world
from diemcau.conftest import HUE, ApiClient
from diemcau.errors import Invalid, NotFound
from diemcau.questions.models import Question

pytestmark = pytest.mark.django_db
PROPOSAL = "Đề xuất bổ sung hướng dẫn về thẩm quyền cấp xã sau sáp nhập."
TEXT = ["Tôi đã học về mô hình chính quyền địa phương hai cấp.", PROPOSAL]


@pytest.fixture
def w(make_site: Any, make_user: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    found = world(make_site)
    found["report"] = reflections.save_text(found["an"], found["conference"].pk, TEXT, final=True)
    found["grader"] = make_user("province_organiser", "01")
    return found


def test_sending_twice_makes_one_question_from_the_site(w: dict[str, Any]) -> None:
    report = w["report"]
    api = ApiClient(issue_token(w["grader"].username))
    url = f"/api/v1/assessment/reports/{report.pk}/answers/1/question"
    first = api.post(url)
    again = api.post(url)
    assert first.status_code == again.status_code == 200
    assert first.json()["created"] is True and again.json()["created"] is False
    assert first.json()["question"] == again.json()["question"]
    question = Question.objects.get()
    assert (question.text, question.site_id) == (PROPOSAL, w["hk"].pk)
    # Another grader clicking too: still that one question.
    sent, made = forwarding.send_to_questions(scope_for(w["grader"]), w["grader"], report.pk, 1)
    assert (sent.question_id, made, Question.objects.count()) == (question.pk, False, 1)
    # The report says it was sent and links to the question's cluster.
    detail = api.get(f"/api/v1/assessment/reports/{report.pk}").json()
    assert detail["answers"][1]["sent"] == {"question": question.pk, "cluster": question.cluster_id}
    assert detail["answers"][0]["sent"] is None
    web = Client()
    web.force_login(w["grader"])
    page = web.get(f"/assessment/{w['conference'].pk}/grading/").content.decode()
    assert f"/questions/clusters/{question.cluster_id}/" in page


def test_scope_and_bad_answers(w: dict[str, Any], make_user: Any) -> None:
    report = w["report"]
    hue = make_user("province_organiser", HUE)
    with pytest.raises(NotFound):
        forwarding.send_to_questions(scope_for(hue), hue, report.pk, 1)
    with pytest.raises(Invalid):
        forwarding.send_to_questions(scope_for(w["grader"]), w["grader"], report.pk, 7)
    draft = reflections.save_text(w["binh"], w["conference"].pk, ["Bản nháp chưa nộp."])
    with pytest.raises(Invalid):
        forwarding.send_to_questions(scope_for(w["grader"]), w["grader"], draft.pk, 0)
    assert not SentQuestion.objects.exists() and not Question.objects.exists()


def test_the_web_button_is_idempotent_too(w: dict[str, Any]) -> None:
    web = Client()
    web.force_login(w["grader"])
    url = f"/assessment/reports/{w['report'].pk}/answers/1/question/"
    web.post(url)
    web.post(url)
    assert Question.objects.count() == 1 and SentQuestion.objects.count() == 1
