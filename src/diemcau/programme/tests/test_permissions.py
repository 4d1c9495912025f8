"""Every signed-in role reads every programme endpoint; anonymous callers get 401."""

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.programme.models import Material, Session, Speaker, Topic

pytestmark = pytest.mark.django_db

ROLES = [
    ("central_organiser", None),
    ("province_organiser", HANOI),
    ("site_operator", "HK-1"),
    ("viewer", None),
    ("sector_answerer", "noi-vu"),
]


def _read_urls(demo) -> list[str]:
    session = Session.objects.filter(day__conference=demo, kind="session").first()
    topic = Topic.objects.filter(session=session).first()
    speaker = Speaker.objects.first()
    material = Material.objects.create(
        topic=topic,
        title="T",
        kind="pdf",
        filename="t.pdf",
        path="x",
        size=1,
        sha256="0" * 64,
        uploaded_at=demo.created_at,
    )
    base = "/api/v1/programme"
    return [
        f"{base}/conferences",
        f"{base}/conferences/{demo.pk}",
        f"{base}/conferences/{demo.pk}/agenda.ics",
        f"{base}/sessions/{session.pk}",
        f"{base}/topics/{topic.pk}",
        f"{base}/speakers",
        f"{base}/speakers/{speaker.pk}",
        f"{base}/materials/{material.pk}",
    ]


@pytest.mark.parametrize(("role", "scope"), ROLES)
def test_every_role_reads_the_programme(demo, api_as, make_site, role, scope):
    make_site(HOAN_KIEM, code="HK-1")
    client = api_as(role, scope)
    for url in _read_urls(demo):
        assert client.get(url).status_code == 200, url


def test_anonymous_reads_nothing(demo, client):
    for url in _read_urls(demo):
        assert client.get(url).status_code == 401, url
