from typing import Any

import pytest

from diemcau.assessment import conference_settings
from diemcau.assessment.completion import services as completion
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.reflections import services as grading
from diemcau.assessment.reflections import services as reflections
from diemcau.assessment.tests.helpers import attend, right_answers, world
from diemcau.conftest import HANOI, HOAN_KIEM

pytestmark = pytest.mark.django_db
TEXT = ["Bài thu hoạch đủ dài để nộp được.", "Vận dụng."]


def complete(w: dict[str, Any], who: str, grader: Any) -> None:
    """Attend a session, pass the quiz, have the report graded 8."""
    conf_id = w["conference"].pk
    attend(w[who], w["sessions"][0])
    attempt = quiz.start_attempt(w[who], conf_id)
    quiz.submit(w[who], attempt.pk, right_answers(attempt))
    report = reflections.save_text(w[who], conf_id, TEXT, final=True)
    grading.grade(grader, report.pk, 8, "")


@pytest.fixture
def w(make_site: Any) -> dict[str, Any]:
    return world(make_site)


def test_each_condition_counts(w: dict[str, Any], make_user: Any) -> None:
    from diemcau.accounts.scopes import scope_for

    central = scope_for(make_user("central_organiser"))
    conf_id = w["conference"].pk
    complete(w, "an", central)
    attend(w["binh"], w["sessions"][0])  # attended only
    found = completion.statuses([w["an"].pk, w["binh"].pk], conf_id)
    assert found[w["an"].pk].complete and not found[w["binh"].pk].complete
    settings = conference_settings.settings_for(conf_id)
    settings.min_sessions = 2
    settings.save()
    assert not completion.status_of(w["an"], conf_id).complete  # one session is now too few


def test_rates_in_the_api_are_scoped(w: dict[str, Any], api_as: Any, make_user: Any) -> None:
    from diemcau.accounts.scopes import scope_for

    complete(w, "an", scope_for(make_user("central_organiser")))
    conf_id = w["conference"].pk
    hanoi = api_as("province_organiser", HANOI)
    data = hanoi.get(f"/api/v1/assessment/completion?conference={conf_id}&unit={HANOI}").json()
    assert (data["delegates"], data["completed"], data["rate"]) == (2, 1, 0.5)
    assert data["by_site"] == [
        {
            "site": "HK-A",
            "delegates": 2,
            "completed": 1,
            "quiz_passed": 1,
            "report_graded": 1,
            "attended": 1,
            "caught_up": 0,
            "rate": 0.5,
        }
    ]
    assert [r["unit"] for r in data["by_unit"]] == [HOAN_KIEM]
    other = hanoi.get(f"/api/v1/assessment/completion?conference={conf_id}&unit=46")
    assert other.status_code == 404
    assert hanoi.get(f"/api/v1/assessment/completion?conference={conf_id}").status_code == 404
    nation = (
        api_as("central_organiser")
        .get(f"/api/v1/assessment/completion?conference={conf_id}")
        .json()
    )
    assert nation["delegates"] == 3 and {r["unit"] for r in nation["by_unit"]} == {"01", "46"}


def test_conference_defaults_to_the_newest_with_an_assessment(
    w: dict[str, Any], api_as: Any
) -> None:
    data = api_as("central_organiser").get("/api/v1/assessment/completion?unit=01").json()
    assert (data["conference"], data["unit"], data["delegates"]) == (w["conference"].pk, "01", 2)
