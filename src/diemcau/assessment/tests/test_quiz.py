import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from diemcau.assessment.links import token_for
from diemcau.assessment.models import Attempt
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.tests.helpers import passed_client, right_answers, world
from diemcau.delegates.badge_token import payload_for
from diemcau.errors import Invalid, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_site: Any) -> dict[str, Any]:
    return world(make_site)


def test_draw_is_per_delegate_seeded_and_stable(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    a = quiz.start_attempt(w["an"], conf_id)
    again = quiz.start_attempt(w["an"], conf_id)  # a reload continues, never redraws
    assert again.pk == a.pk and again.question_ids == a.question_ids
    assert len(a.question_ids) == 4
    assert set(a.question_ids) <= {q.pk for q in w["bank"]}
    b = quiz.start_attempt(w["binh"], conf_id)
    assert (b.question_ids, b.option_orders) != (a.question_ids, a.option_orders)


def test_submit_is_idempotent(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    attempt = quiz.start_attempt(w["an"], conf_id)
    first = quiz.submit(w["an"], attempt.pk, right_answers(attempt))
    assert (first.score, first.max_score, first.passed) == (4, 4, True)
    wrong = {k: [3] for k in right_answers(attempt)}
    resent = quiz.submit(w["an"], attempt.pk, wrong)  # the resend's answers change nothing
    assert (resent.score, resent.submitted_at) == (4, first.submitted_at)
    assert Attempt.objects.filter(delegate=w["an"]).count() == 1


def test_saving_twice_is_the_same_as_once_and_multiple_choice_needs_every_box(
    w: dict[str, Any],
) -> None:
    attempt = quiz.start_attempt(w["an"], w["conference"].pk)
    answers = right_answers(attempt)
    quiz.save_answers(w["an"], attempt.pk, answers)
    quiz.save_answers(w["an"], attempt.pk, answers)
    multiple = [k for k, v in answers.items() if len(v) > 1]
    partial = {k: [0] for k in multiple}
    quiz.save_answers(w["an"], attempt.pk, partial)
    done = quiz.submit(w["an"], attempt.pk)
    assert done.score == 4 - len(multiple)


def test_time_limit_refuses_late_answers_and_submits_what_was_saved(w: dict[str, Any]) -> None:
    attempt = quiz.start_attempt(w["an"], w["conference"].pk)
    answers = right_answers(attempt)
    first, *rest = answers
    quiz.save_answers(w["an"], attempt.pk, {first: answers[first]})
    late = attempt.deadline + dt.timedelta(seconds=1)
    with pytest.raises(Invalid):
        quiz.save_answers(w["an"], attempt.pk, {k: answers[k] for k in rest}, now=late)
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.submitted_at == attempt.deadline and stored.auto_submitted
    assert stored.score == 1
    # A late submit with every right answer changes nothing either.
    assert quiz.submit(w["an"], attempt.pk, answers, now=late).score == 1


def test_attempts_are_limited(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    for _ in range(2):
        attempt = quiz.start_attempt(w["an"], conf_id)
        quiz.submit(w["an"], attempt.pk, {})
    with pytest.raises(Invalid):
        quiz.start_attempt(w["an"], conf_id)


def test_another_delegates_attempt_does_not_exist(w: dict[str, Any]) -> None:
    attempt = quiz.start_attempt(w["an"], w["conference"].pk)
    with pytest.raises(NotFound):
        quiz.submit(w["binh"], attempt.pk, {})


def test_quiz_through_the_personal_link(w: dict[str, Any]) -> None:
    client = passed_client(w["an"])
    base = f"/api/v1/assessment/me/{token_for(w['an'])}/{w['conference'].pk}"
    started = client.post(f"{base}/attempts")
    assert started.status_code == 200, started.content
    body = started.json()
    assert "correct" not in body["questions"][0]  # nothing to copy before submitting
    attempt = Attempt.objects.get(pk=body["id"])
    answers = right_answers(attempt)
    saved = client.put(
        f"{base}/attempts/{body['id']}/answers",
        {"answers": answers},
        content_type="application/json",
    )
    assert saved.status_code == 200
    first = client.post(
        f"{base}/attempts/{body['id']}/submit", {"answers": {}}, content_type="application/json"
    ).json()
    second = client.post(
        f"{base}/attempts/{body['id']}/submit", {"answers": {}}, content_type="application/json"
    ).json()
    assert first == second and first["passed"] and first["score"] == 4
    # The badge QR payload opens the same page; another delegate's link not this attempt.
    badge = payload_for(w["an"].code, w["an"].secret)
    assert client.get(f"/api/v1/assessment/me/{badge}/{w['conference'].pk}").status_code == 200
    other = f"/api/v1/assessment/me/{token_for(w['binh'])}/{w['conference'].pk}"
    assert (
        passed_client(w["binh"])
        .post(
            f"{other}/attempts/{body['id']}/submit",
            {"answers": {}},
            content_type="application/json",
        )
        .status_code
        == 404
    )


def test_a_forged_or_revoked_link_opens_nothing(w: dict[str, Any]) -> None:
    client = Client()
    token = token_for(w["an"])
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/hoc-vien/{forged}/").status_code == 404
    w["an"].secret = "0" * 32  # badge revoked: a new secret voids the old link
    w["an"].save()
    assert client.get(f"/hoc-vien/{token}/").status_code == 404


def test_delegate_pages_on_a_phone(w: dict[str, Any]) -> None:
    client = passed_client(w["an"])
    token = token_for(w["an"])
    page = client.get(f"/hoc-vien/{token}/", follow=True)
    assert page.status_code == 200
    assert "Nguyễn Văn An" in page.content.decode()
    started = client.post(f"/hoc-vien/{token}/{w['conference'].pk}/start/", follow=True)
    attempt = Attempt.objects.get(delegate=w["an"])
    assert "Câu hỏi số" in started.content.decode()
    form = {f"q{k}": v for k, v in right_answers(attempt).items()}
    url = f"/hoc-vien/{token}/{w['conference'].pk}/quiz/{attempt.pk}/"
    result = client.post(url, form, follow=True)
    client.post(url, {}, follow=True)  # the resend of a form
    assert "4/4" in result.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).score == 4


def test_operators_get_their_sites_links_only(w: dict[str, Any], api_as: Any) -> None:
    operator = api_as("site_operator", "HK-A")
    found = operator.get("/api/v1/assessment/links?site=HK-A").json()
    assert {r["name"] for r in found} == {"Nguyễn Văn An", "Trần Thị Bình"}
    # the address the caller reached the server at (no public address set), not 127.0.0.1
    assert found[0]["url"].startswith("http://testserver/hoc-vien/")
    path = urlsplit(found[0]["url"]).path
    assert Client().get(path, follow=True).status_code == 200
    assert operator.get("/api/v1/assessment/links?site=HUE-A").status_code == 404
