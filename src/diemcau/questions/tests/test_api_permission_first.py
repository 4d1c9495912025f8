"""Who may act is decided before what state the object is in (issue 16): answering or
publishing a cluster not yet routed, as a province organiser or a viewer, is 403 (not yours),
not 422 (route it first); a central organiser, who may answer, is told to route it first."""

from typing import Any

import pytest

from diemcau.accounts.scopes import scope_for
from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.questions.services import create_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def unrouted(make_site: Any, make_user: Any) -> int:
    site = make_site(HOAN_KIEM, code="HK-Q")
    operator = make_user("central_organiser")
    question = create_question(
        scope_for(operator), operator, site=site.code, text="Xã mới có mấy phòng chuyên môn?"
    )
    assert question.cluster is not None and question.cluster.sector_id is None
    return question.cluster_id


@pytest.mark.parametrize("role", ["province_organiser", "viewer"])
def test_answer_and_publish_of_an_unrouted_cluster_are_403_for_who_may_not_answer(
    api_as: Any, unrouted: int, role: str
) -> None:
    api = api_as(role, HANOI)
    assert api.get(f"/api/v1/questions/clusters/{unrouted}").status_code == 200  # readable
    answer = api.put(
        f"/api/v1/questions/clusters/{unrouted}/answer",
        {"text": "Trả lời"},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] == "Chỉ lĩnh vực được chuyển câu hỏi mới được trả lời."
    assert api.post(f"/api/v1/questions/clusters/{unrouted}/publish").status_code == 403


def test_central_organiser_is_told_to_route_the_cluster_first(api_as: Any, unrouted: int) -> None:
    api = api_as("central_organiser")
    answer = api.put(
        f"/api/v1/questions/clusters/{unrouted}/answer",
        {"text": "Trả lời"},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert api.post(f"/api/v1/questions/clusters/{unrouted}/publish").status_code == 422


def test_splitting_as_a_viewer_is_403_whatever_questions_are_named(
    api_as: Any, unrouted: int
) -> None:
    viewer = api_as("viewer", HANOI)
    response = viewer.post(
        f"/api/v1/questions/clusters/{unrouted}/split",
        {"questions": [999_999]},
        content_type="application/json",
    )
    assert response.status_code == 403
