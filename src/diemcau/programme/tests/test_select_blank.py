"""The session and topic forms offer real choices only (issue 17, finding 2: their selects opened
on Django's English "- Select an option -", which its Vietnamese catalogue lacks)."""

import re
from typing import Any

import pytest

from diemcau.programme.models import Session, Topic
from diemcau.programme.tests.test_build_ui import build_programme

pytestmark = pytest.mark.django_db
ENGLISH_BLANKS = ("Select an option", "---------")


def selects(html: str) -> list[str]:
    found = re.findall(r"<select[^>]*>.*?</select>", html, re.S)
    assert found, "no select on the page"
    return found


def test_session_and_topic_forms_have_no_english_blank_choice(web_as: Any) -> None:
    client = web_as("central_organiser")
    conference = build_programme(client)
    session = Session.objects.filter(day__conference=conference).order_by("pk").first()
    topic = Topic.objects.filter(session__day__conference=conference).order_by("pk").first()
    assert session is not None and topic is not None
    pages = (
        f"/programme/{conference.pk}/sessions/new/",
        f"/programme/sessions/{session.pk}/edit/",
        f"/programme/{conference.pk}/topics/new/",
        f"/programme/topics/{topic.pk}/edit/",
    )
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        for select in selects(response.content.decode()):
            assert not any(blank in select for blank in ENGLISH_BLANKS), (url, select[:300])
