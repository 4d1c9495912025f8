"""Batch assignment, the grader's queue, second reading and settling (grading.py)."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from diemcau.accounts.scopes import scope_for
from diemcau.accounts.services import issue_token
from diemcau.assessment.completion import services as completion
from diemcau.assessment.conference_settings import settings_for
from diemcau.assessment.models import Reflection, ReportStatus
from diemcau.assessment.reflections import services as grading
from diemcau.assessment.reflections import services as reflections
from diemcau.assessment.tests.helpers import make_delegate, world
from diemcau.conftest import HUE, ApiClient
from diemcau.errors import Forbidden, Invalid, NotFound

pytestmark = pytest.mark.django_db
TEXT = ["Tôi đã học về mô hình chính quyền địa phương hai cấp.", "Đề xuất: cần hướng dẫn thêm."]


@pytest.fixture
def w(make_site: Any, make_user: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    found = world(make_site)
    conf_id = found["conference"].pk
    hanoi = [found["an"], found["binh"]] + [
        make_delegate(found["hk"], f"Phạm Văn Số {i}") for i in range(3)
    ]
    found["hn_reports"] = [reflections.save_text(d, conf_id, TEXT, final=True) for d in hanoi]
    found["hue_report"] = reflections.save_text(found["hoa"], conf_id, TEXT, final=True)
    found["hn_org"] = make_user("province_organiser", "01")
    found["hn_a"] = make_user("province_organiser", "01")
    found["hn_b"] = make_user("province_organiser", "01")
    found["hue_org"] = make_user("province_organiser", HUE)
    found["central"] = make_user("central_organiser")
    return found


def _api(user: User) -> ApiClient:
    return ApiClient(issue_token(user.username))


def _ids(qs: Any) -> list[int]:
    return [r.pk for r in qs]


def test_batch_goes_round_robin_and_evenly_and_orders_the_queue(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    a, b = w["hn_a"], w["hn_b"]
    response = _api(w["hn_org"]).post(
        f"/api/v1/assessment/conferences/{conf_id}/reports/assign",
        {"count": 4, "graders": [a.pk, b.pk], "unit": "01"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "assigned": {a.username: 2, b.username: 2},
        "total": 4,
        "skipped": 0,
    }
    first4, fifth = w["hn_reports"][:4], w["hn_reports"][4]
    assigned = dict(
        Reflection.objects.filter(pk__in=[r.pk for r in first4]).values_list("pk", "assigned_to")
    )
    assert [assigned[r.pk] for r in first4] == [a.pk, b.pk, a.pk, b.pk]  # round-robin
    # A's queue: their own two first, then the unassigned one; never B's.
    mine = [r.pk for r in first4 if assigned[r.pk] == a.pk]
    assert _ids(grading.queue(scope_for(a), conf_id)) == [*mine, fifth.pk]
    assert _ids(grading.queue(scope_for(a), conf_id, mine=True)) == mine
    api_queue = _api(a).get(f"/api/v1/assessment/conferences/{conf_id}/reports/queue?mine=true")
    assert [r["id"] for r in api_queue.json()["items"]] == mine
    # Fairness counts what is already open: the next batch of one goes to whoever has less.
    grading.grade(scope_for(a), mine[0], 8, "")
    again = grading.assign(
        scope_for(w["hn_org"]), conf_id, grading.Selection(count=1), [b.pk, a.pk]
    )
    assert again.assigned == {a.username: 1}
    # Unassigned reports stay open to every grader in scope: the Hà Nội organiser sees the rest.
    assert fifth.pk not in _ids(grading.queue(scope_for(w["hn_org"]), conf_id))  # now A's
    assert _ids(grading.queue(scope_for(w["hue_org"]), conf_id)) == [w["hue_report"].pk]


def test_a_province_organiser_cannot_assign_another_provinces_reports(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    hn = _api(w["hn_org"])
    url = f"/api/v1/assessment/conferences/{conf_id}/reports/assign"
    by_unit = hn.post(
        url, {"count": 10, "graders": [w["hn_a"].pk], "unit": HUE}, content_type="application/json"
    )
    assert by_unit.status_code == 404
    by_site = hn.post(
        url,
        {"count": 10, "graders": [w["hn_a"].pk], "site": "HUE-A"},
        content_type="application/json",
    )
    assert by_site.json()["total"] == 0
    to_hue_grader = hn.post(
        url, {"count": 10, "graders": [w["hue_org"].pk]}, content_type="application/json"
    )
    assert to_hue_grader.status_code == 404
    graders = hn.get(f"/api/v1/assessment/conferences/{conf_id}/graders").json()
    assert w["hue_org"].pk not in [g["id"] for g in graders]
    assert w["hn_a"].pk in [g["id"] for g in graders]
    # Without a filter only Hà Nội's reports move; the Huế report stays unassigned.
    done = grading.assign(
        scope_for(w["hn_org"]), conf_id, grading.Selection(count=50), [w["hn_a"].pk]
    )
    assert done.assigned == {w["hn_a"].username: 5}
    assert Reflection.objects.get(pk=w["hue_report"].pk).assigned_to_id is None
    # A central organiser assigning a Huế report to a Hà Nội grader: skipped, not assigned.
    central = grading.assign(
        scope_for(w["central"]), conf_id, grading.Selection(count=50), [w["hn_b"].pk]
    )
    assert (central.assigned, central.skipped) == ({}, 1)
    # A site operator or a viewer grades nothing.
    with pytest.raises(NotFound):
        grading.eligible_graders(scope_for(User.objects.create(username="nobody")))


def test_second_reading_below_the_pass_mark_by_someone_else(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    grading.update_rule(scope_for(w["central"]), conf_id, second_reading=True, gap=2)
    a, b = scope_for(w["hn_a"]), scope_for(w["hn_b"])
    passed, close, far = w["hn_reports"][:3]
    assert grading.grade(a, passed.pk, 7, "Tốt").status == ReportStatus.GRADED  # ≥ pass: final
    low = grading.grade(a, close.pk, 3, "Sơ sài")
    assert (low.status, low.score) == (ReportStatus.SECOND, None)
    # The first reader cannot read it again, nor be assigned it, nor see it in their queue.
    with pytest.raises(Forbidden):
        grading.grade(a, close.pk, 6, "")
    denied = _api(w["hn_a"]).post(
        f"/api/v1/assessment/reports/{close.pk}/grade",
        {"score": 6},
        content_type="application/json",
    )
    assert denied.status_code == 403
    assert close.pk not in _ids(grading.queue(a, conf_id))
    assert close.pk in _ids(grading.queue(b, conf_id))
    second = grading.Selection(count=5, stage=ReportStatus.SECOND)
    assert grading.assign(scope_for(w["hn_org"]), conf_id, second, [w["hn_a"].pk]).skipped == 1
    # Close readings: their mean, rounded up, is final.
    done = grading.grade(b, close.pk, 4, "")
    assert (done.status, done.score, done.first_score, done.second_score) == ("graded", 4, 3, 4)
    # Far apart: flagged for an organiser, who settles; the readers cannot.
    grading.grade(a, far.pk, 1, "")
    flagged = grading.grade(b, far.pk, 9, "")
    assert (flagged.status, flagged.score) == (ReportStatus.DISPUTED, None)
    assert _ids(grading.disputed(scope_for(w["hn_org"]), conf_id)) == [far.pk]
    assert grading.disputed(scope_for(w["hue_org"]), conf_id).count() == 0
    with pytest.raises(Invalid):
        grading.grade(b, far.pk, 8, "")
    with pytest.raises(NotFound):
        grading.settle(scope_for(w["hue_org"]), far.pk, 8, "")
    settled = _api(w["hn_org"]).post(
        f"/api/v1/assessment/reports/{far.pk}/settle",
        {"score": 6, "comment": "Thống nhất"},
        content_type="application/json",
    )
    assert settled.json() == {"id": far.pk, "status": "graded", "score": 6}
    with pytest.raises(Invalid):  # read twice: only settling changes it now
        grading.grade(a, far.pk, 2, "")
    scores = dict(Reflection.objects.filter(status="graded").values_list("delegate_id", "score"))
    assert scores == {passed.delegate_id: 7, close.delegate_id: 4, far.delegate_id: 6}
    found = completion.statuses([close.delegate_id, far.delegate_id], conf_id)
    assert (found[close.delegate_id].report_score, found[far.delegate_id].report_score) == (4, 6)


def test_without_second_reading_one_grade_is_final(w: dict[str, Any]) -> None:
    report = w["hn_reports"][0]
    done = grading.grade(scope_for(w["hn_a"]), report.pk, 2, "")
    assert (done.status, done.score, done.first_score) == ("graded", 2, 2)
    assert not settings_for(w["conference"].pk).second_reading


def test_grading_pages(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    org = Client()
    org.force_login(w["hn_org"])
    page = org.get(f"/assessment/{conf_id}/grading/assign/")
    assert page.status_code == 200 and w["hn_a"].username in page.content.decode()
    assert w["hue_org"].username not in page.content.decode()
    org.post(
        f"/assessment/{conf_id}/grading/assign/",
        {"count": "2", "graders": [str(w["hn_a"].pk)], "stage": "submitted"},
    )
    a = Client()
    a.force_login(w["hn_a"])
    mine = a.get(f"/assessment/{conf_id}/grading/?mine=1").content.decode()
    assert mine.count('action="/assessment/reports/') >= 2
    assert "Nguyễn Văn An" in mine and "Phạm Văn Số 0" not in mine
    # The rule is the central organisers' to change.
    assert (
        org.post(f"/assessment/{conf_id}/grading/rule/", {"second_reading": "on"}).status_code
        == 403
    )
    central = Client()
    central.force_login(w["central"])
    central.post(
        f"/assessment/{conf_id}/grading/rule/", {"second_reading": "on", "second_reading_gap": "1"}
    )
    assert settings_for(conf_id).second_reading
    report = w["hn_reports"][0]
    a.post(f"/assessment/reports/{report.pk}/grade/", {"score": "2"})
    b = Client()
    b.force_login(w["hn_b"])
    b.post(f"/assessment/reports/{report.pk}/grade/", {"score": "9"})
    assert Reflection.objects.get(pk=report.pk).status == ReportStatus.DISPUTED
    assert "Nguyễn Văn An" in org.get(f"/assessment/{conf_id}/grading/").content.decode()
    org.post(f"/assessment/reports/{report.pk}/settle/", {"score": "5"})
    assert Reflection.objects.get(pk=report.pk).score == 5


def test_the_queue_costs_the_same_queries_for_one_report_or_many(w: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from diemcau.assessment.reflections import services as forwarding

    conf_id = w["conference"].pk
    api = _api(w["hn_a"])
    url = f"/api/v1/assessment/conferences/{conf_id}/reports/queue"
    for report in w["hn_reports"][:3]:  # answers sent to questions are in the listing too
        forwarding.send_to_questions(scope_for(w["hn_a"]), w["hn_a"], report.pk, 1)
    counts = []
    for limit in (1, 5):
        api.get(url, {"limit": limit})  # warm the token and settings rows
        with CaptureQueriesContext(connection) as captured:
            assert len(api.get(url, {"limit": limit}).json()["items"]) == limit
        counts.append(len(captured))
    assert counts[0] == counts[1]
