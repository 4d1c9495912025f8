"""The day's operations on record: who took and closed an incident, who changed a relay or the
studio's key, who cut a site's playback off — and the machine's own writes (relay health, the
heartbeat flush's automatic incidents) kept out of the trail."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from diemcau.accounts.scopes import scope_for
from diemcau.accounts.services import issue_token
from diemcau.audit import services
from diemcau.audit.models import Action, Entry
from diemcau.conftest import HANOI, HOAN_KIEM, ApiClient
from diemcau.operations import incidents
from diemcau.operations.models import Incident
from diemcau.programme.models import Conference, Day, Session
from diemcau.sites.models import Site
from diemcau.streaming import services as streaming
from diemcau.streaming.models import Relay, RelayHealth, Stream

pytestmark = pytest.mark.django_db


def entries(model: type, pk: Any) -> list[Entry]:
    return list(
        Entry.objects.filter(subject=model._meta.label_lower, object_pk=str(pk)).order_by("pk")
    )


@pytest.fixture
def site(make_site: Any) -> Site:
    return make_site(HOAN_KIEM, code="HN-OPS-1", name="Hội trường Hoàn Kiếm")


def test_an_incident_opened_taken_and_closed_names_each_person(make_user: Any, site: Site) -> None:
    organiser = make_user("province_organiser", HANOI)
    api = ApiClient(issue_token(organiser.username))
    opened = api.post(
        "/api/v1/incidents",
        {"site": site.code, "cause": "network", "description": "Mất hình"},
        content_type="application/json",
    )
    assert opened.status_code == 201, opened.content
    pk = opened.json()["id"]
    taken = api.post(
        f"/api/v1/incidents/{pk}/assign",
        {"assignee": organiser.username},
        content_type="application/json",
    )
    assert taken.status_code == 200, taken.content
    done = api.post(
        f"/api/v1/incidents/{pk}/resolve",
        {"resolution": "Khởi động lại bộ định tuyến"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content

    trail = entries(Incident, pk)
    assert [e.action for e in trail] == [Action.CREATE, Action.UPDATE, Action.UPDATE]
    assert {e.actor_id for e in trail} == {organiser.pk}
    closed = {c.field: c.after for c in services.changes(trail[-1])}
    assert "Khởi động lại bộ định tuyến" in closed.values()
    # On the site's unit, so Hà Nội's organisers read it and no other province's.
    assert {e.unit_id for e in trail} == {site.unit_id}


def test_automatic_incidents_from_the_heartbeat_flush_write_no_entry(site: Site) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    conference = Conference.objects.create(
        slug="hom-nay", name="Hội nghị", host="Ban tổ chức", starts_on=today, ends_on=today
    )
    Session.objects.create(
        day=Day.objects.create(conference=conference, date=today),
        title="Phiên đang diễn ra",
        starts_at=dt.time(0, 0),
        ends_at=dt.time(23, 59, 59),
        status="live",
    )
    assert incidents.sites_went_offline([(site.pk, now)]) == 1
    opened = Incident.objects.get(site=site)
    assert entries(Incident, opened.pk) == []


def test_relay_settings_are_recorded_and_its_health_checks_are_not(make_user: Any) -> None:
    relay = Relay.objects.create(code="hn-1", base_url="http://relay-hn.example.vn:8080")
    relay.health = RelayHealth.DOWN
    relay.health_error = "timeout"
    relay.save()
    relay.enabled = False
    relay.save()
    trail = entries(Relay, relay.pk)
    assert [e.action for e in trail] == [Action.CREATE, Action.UPDATE]
    assert {c.field for c in services.changes(trail[-1])} == {
        str(Relay._meta.get_field("enabled").verbose_name)
    }


def test_the_studio_ingest_key_is_masked() -> None:
    stream = Stream.objects.create(name="main-test", title="Hội nghị")
    secret = stream.ingest_key
    stream.ingest_key = "khoa-moi-bi-mat-123"
    stream.save()
    for entry in entries(Stream, stream.pk):
        text = str(entry.changes)
        assert secret not in text and "khoa-moi-bi-mat-123" not in text


def test_cutting_a_sites_playback_off_is_one_entry_naming_the_site(
    make_user: Any, site: Site
) -> None:
    central = make_user("central_organiser")
    streaming.revoke_site(scope_for(central), site.code)
    streaming.revoke_site(scope_for(central), site.code)
    events = Entry.objects.filter(action=Action.EVENT, event="revoke_playback").order_by("pk")
    assert [e.object_repr for e in events] == [site.code, site.code]
    assert [e.counts for e in events] == [{"version": 2}, {"version": 3}]
    assert {e.unit_id for e in events} == {site.unit_id}
