"""The engine learns from moderators: a merge, a split and a synonym change later joins."""

from collections.abc import Callable
from typing import Any

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.questions import engine, feedback
from diemcau.questions.models import Lesson, LessonKind
from diemcau.questions.tests.helpers import ask, post

pytestmark = pytest.mark.django_db

Make = Callable[..., Any]

STAFF = "Cán bộ cấp xã dôi dư sau sắp xếp được hưởng chính sách gì?"
STAFF_BARE = "can bo xa doi du sau sap xep duoc huong che do chinh sach gi?"
STAFF_OTHER = "Cán bộ thừa ra được giải quyết thế nào?"
# Close to STAFF_OTHER, far from the two STAFF questions: on average over the merged cluster's
# first questions it falls short of joining; the merge taught that STAFF_OTHER's group counts.
NEXT = "Người thừa ra được giải quyết việc làm thế nào?"


@pytest.mark.parametrize("revoked", [False, True])
def test_a_merge_makes_the_next_paraphrase_join_by_itself(
    make_site: Make, api_as: Make, revoked: bool
) -> None:
    sites = [make_site(HOAN_KIEM) for _ in range(4)]
    ops = [api_as("site_operator", s.code) for s in sites]
    one = ask(ops[0], sites[0].code, STAFF)
    assert ask(ops[1], sites[1].code, STAFF_BARE)["cluster"] == one["cluster"]
    two = ask(ops[2], sites[2].code, STAFF_OTHER)
    assert two["cluster"] != one["cluster"]  # the engine alone does not see it

    organiser = api_as("province_organiser", HANOI)
    merged = post(organiser, f"/clusters/{one['cluster']}/merge", {"other": two["cluster"]})
    assert merged.status_code == 200, merged.content
    lesson = Lesson.objects.get()
    assert lesson.kind == LessonKind.SAME
    if revoked:
        feedback.revoke(lesson.pk)

    following = ask(ops[3], sites[3].code, NEXT)
    if revoked:
        assert following["cluster"] != one["cluster"]
    else:
        assert following["cluster"] == one["cluster"]
        assert following["similarity"] >= engine.AUTO_JOIN


OFFICES = "Trụ sở xã cũ dôi dư sau sắp xếp xử lý thế nào?"
# Another difficulty sharing the salient words (the surplus staff / surplus offices).
STAFF_LEFT_OVER = "Cán bộ xã cũ dôi dư sau sắp xếp xử lý thế nào?"
STAFF_NEXT = "Cán bộ dôi dư ở xã cũ xử lý ra sao?"


@pytest.mark.parametrize("revoked", [False, True])
def test_a_split_lowers_the_left_cluster_for_questions_like_the_split_off_ones(
    make_site: Make, api_as: Make, revoked: bool
) -> None:
    sites = [make_site(HOAN_KIEM) for _ in range(3)]
    ops = [api_as("site_operator", s.code) for s in sites]
    offices = ask(ops[0], sites[0].code, OFFICES)
    staff = ask(ops[1], sites[1].code, STAFF_LEFT_OVER)
    assert staff["cluster"] == offices["cluster"]  # joined on the shared words
    organiser = api_as("province_organiser", HANOI)
    split = post(organiser, f"/clusters/{offices['cluster']}/split", {"questions": [staff["id"]]})
    assert split.status_code == 201, split.content
    lesson = Lesson.objects.get()
    assert lesson.kind == LessonKind.DIFFERENT
    if revoked:
        feedback.revoke(lesson.pk)
    scores = dict(engine.cluster_scores(STAFF_NEXT))
    if revoked:
        assert scores[offices["cluster"]] >= engine.AUTO_JOIN
    else:
        assert scores[offices["cluster"]] < engine.AUTO_JOIN
    following = ask(ops[2], sites[2].code, STAFF_NEXT)
    assert following["cluster"] == split.json()["id"]


def test_a_synonym_taught_by_a_moderator_joins_the_next_question_until_revoked(
    make_site: Make, api_as: Make
) -> None:
    sites = [make_site(HOAN_KIEM) for _ in range(2)]
    ops = [api_as("site_operator", s.code) for s in sites]
    slang = "Cán bộ xã ngồi chơi xơi nước thì tính sao?"
    one = ask(ops[0], sites[0].code, STAFF)
    assert engine.cluster_to_join(slang) is None

    lesson = feedback.teach_synonym("ngồi chơi xơi nước", "dôi dư")
    assert (engine.cluster_to_join(slang) or (0, 0.0))[0] == one["cluster"]
    feedback.revoke(lesson.pk)
    assert engine.cluster_to_join(slang) is None

    feedback.teach_synonym("ngồi chơi xơi nước", "dôi dư")
    assert ask(ops[1], sites[1].code, slang)["cluster"] == one["cluster"]
