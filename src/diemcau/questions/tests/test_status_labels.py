"""A new question reads "Mới" in Vietnamese, never another catalogue's "Thêm mới" ("add new").

Django merges every app's catalogue, so a bare msgid "New" takes whichever app translated it
first; the question statuses carry the "question status" context instead.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from diemcau.conftest import HOAN_KIEM
from diemcau.questions.models import Question, QuestionStatus
from diemcau.questions.tests.test_views import SEAL, ask
from diemcau.web.tests.catalogues import compiled_catalogues

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_catalogues")]
__all__ = ["compiled_catalogues"]


def test_the_new_status_reads_moi_on_the_pages_and_in_the_admin(
    make_site: Callable[..., Any], web_as: Callable[..., Client]
) -> None:
    site = make_site(HOAN_KIEM)
    question = ask(site, SEAL)
    assert question.status == QuestionStatus.NEW
    with translation.override("vi"):
        assert Question.objects.get().get_status_display() == "Mới"

    page = web_as("site_operator", site.code).get("/questions/", HTTP_ACCEPT_LANGUAGE="vi")
    html = page.content.decode()
    assert '<span class="badge q-new">Mới</span>' in html
    assert '<option value="new">Mới</option>' in html
    assert "Thêm mới" not in html

    admin = Client()
    admin.force_login(
        get_user_model().objects.create_superuser("quan-tri", "qt@example.vn", "mat-khau-123")
    )
    listed = admin.get("/admin/questions/question/", HTTP_ACCEPT_LANGUAGE="vi")
    assert listed.status_code == 200
    html = listed.content.decode()
    assert '<td class="field-status">Mới</td>' in html
    assert 'field-status">Thêm mới' not in html
