"""A learning report nobody has started reads "Chưa viết" on the delegate's page, not "Bản nháp"
(issue 17, finding 8): a draft is something the delegate wrote and saved."""

import re
from typing import Any

import pytest

from diemcau.assessment.links import token_for
from diemcau.assessment.reflections import services as reflections
from diemcau.assessment.tests.helpers import passed_client, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_site: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    return world(make_site)


def report_card(w: dict[str, Any]) -> str:
    page = passed_client(w["an"]).get(f"/hoc-vien/{token_for(w['an'])}/{w['conference'].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    card = re.search(r"<h2>Bài thu hoạch</h2>(.*?)</section>", html, re.S)
    assert card is not None, html
    return card.group(1)


def test_a_report_nobody_started_is_not_called_a_draft(w: dict[str, Any]) -> None:
    card = report_card(w)
    assert "Chưa viết" in card and "Bản nháp" not in card
    assert "Viết bài thu hoạch" in card


def test_a_saved_report_is_a_draft(w: dict[str, Any]) -> None:
    reflections.save_text(w["an"], w["conference"].pk, ["Tôi đã học về chính quyền hai cấp."])
    card = report_card(w)
    assert "Bản nháp" in card and "Chưa viết" not in card
