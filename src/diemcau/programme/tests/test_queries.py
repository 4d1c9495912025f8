"""The agenda reads a fixed number of queries however many topics it holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diemcau.accounts.scopes import Scope
from diemcau.programme import materials, services
from diemcau.programme.models import Session, Speaker, Topic
from diemcau.programme.tests.conftest import pdf_bytes, upload

pytestmark = pytest.mark.django_db
CENTRAL = Scope(user_id=0, everything=True)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_agenda_queries_do_not_grow_with_the_programme(demo, api_as, web_as):
    api = api_as("viewer")
    web = web_as("viewer")
    api_url = f"/api/v1/programme/conferences/{demo.pk}"
    page_url = f"/programme/{demo.pk}/"
    _count(api, api_url)  # the first request of a token also stamps its last use
    before = (_count(api, api_url), _count(web, page_url))

    session = Session.objects.filter(day__conference=demo).first()
    speaker = Speaker.objects.create(name="Báo cáo viên mẫu")
    for n in range(3):
        topic = services.add_topic(
            CENTRAL,
            demo.pk,
            {"session": session.pk, "title": f"Thêm {n}", "speakers": [speaker.pk]},
        )
        materials.upload_material(CENTRAL, topic.pk, upload(f"t{n}.pdf", pdf_bytes()))
    assert Topic.objects.filter(session__day__conference=demo).count() == 18
    assert (_count(api, api_url), _count(web, page_url)) == before


def test_update_keeps_blank_numbers_and_clears_text(demo):
    topic = Topic.objects.get(session__day__conference=demo, number=4)
    topic.summary = "Cũ"
    topic.save()
    services.update_topic(
        CENTRAL,
        topic.pk,
        {"number": None, "order": None, "planned_minutes": None, "summary": "", "title": "Mới"},
    )
    topic.refresh_from_db()
    assert (topic.number, topic.order, topic.planned_minutes) == (4, 4, 50)
    assert (topic.summary, topic.title, topic.changed_at) == ("", "Mới", None)
