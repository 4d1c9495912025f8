"""Incidents: automatic opening during a live session, manual opening, scope, assignment,
notes, resolution and the time-to-resolve figures."""

import datetime as dt
import re

import pytest

from diemcau.accounts.services import issue_token
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, ApiClient, first_commune
from diemcau.operations import health, services
from diemcau.operations.models import Incident, IncidentNote
from diemcau.operations.tests.conftest import T0
from diemcau.programme.models import Conference, Day, Session

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents"
GOOD = {"session": "S1", "playing": True, "buffer": 8.0}
LOCAL = dt.datetime.fromtimestamp(T0, tz=dt.timezone(dt.timedelta(hours=7)))  # 22:06 in Hà Nội


def at(epoch):
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def make_session(status="live", starts="21:00", ends="23:00", date=None):
    conference = Conference.objects.create(
        slug=f"hn-{Conference.objects.count()}",
        name="Hội nghị",
        host="Ban tổ chức",
        starts_on=LOCAL.date(),
        ends_on=LOCAL.date(),
    )
    day = Day.objects.create(conference=conference, date=date or LOCAL.date())
    return Session.objects.create(
        day=day,
        title="Phiên sáng",
        starts_at=dt.time.fromisoformat(starts),
        ends_at=dt.time.fromisoformat(ends),
        status=status,
    )


def beat(client, *codes):
    response = client.post(
        "/api/v1/heartbeats", [{"site": c, **GOOD} for c in codes], content_type="application/json"
    )
    assert response.status_code == 200, response.content


def go_silent(clock):
    clock.advance(health.OFFLINE_AFTER_S + 1)
    services.flush()


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


# -- automatic ------------------------------------------------------------------------------
def test_site_offline_during_live_session_opens_one_incident_and_it_resolves_itself(
    store, clock, api_as, make_site, web_as
):
    session = make_session(status="live")
    site = make_site(HOAN_KIEM, code="AUTO-1")
    central = api_as("central_organiser")
    beat(central, "AUTO-1")
    services.flush()

    go_silent(clock)
    incident = Incident.objects.get(site=site)
    assert (incident.origin, incident.cause, incident.status) == ("auto", "no_signal", "open")
    assert incident.opened_at == at(T0 + health.OFFLINE_AFTER_S)  # when it went, not when seen
    assert incident.session == session
    assert incident.province.code == HANOI
    go_silent(clock)  # still silent: nothing more
    assert Incident.objects.filter(site=site).count() == 1

    beat(central, "AUTO-1")  # back: the incident resolves itself and stays in the log
    services.flush()
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert incident.resolved_at == incident.back_online_at == at(clock.now)
    assert incident.resolved_by is None
    assert incident.resolution == "tự động: điểm cầu đã kết nối lại"
    note = IncidentNote.objects.get(incident=incident)
    assert (note.author, note.text) == (None, "tự động: điểm cầu đã kết nối lại")
    page = web_as("central_organiser").get(f"/operations/incidents/{incident.pk}/")
    html = page.content.decode()
    assert "tự động: điểm cầu đã kết nối lại" in html and "Đã xử lý" in html
    listed = web_as("central_organiser").get("/operations/incidents/?status=resolved")
    assert "AUTO-1" in listed.content.decode()

    go_silent(clock)  # a new outage is a new incident, resolved in turn when it comes back
    assert Incident.objects.filter(site=site, status="open").count() == 1
    beat(central, "AUTO-1")
    services.flush()
    assert list(Incident.objects.filter(site=site).values_list("status", flat=True)) == [
        "resolved",
        "resolved",
    ]


def test_sites_back_in_one_flush_each_resolve_at_their_own_beat(store, clock, api_as, make_site):
    """One flush closes many incidents at once (set-based on PostgreSQL): each keeps its time."""
    make_session(status="live")
    codes = [f"MANY-{n}" for n in range(3)]
    for code in codes:
        make_site(HOAN_KIEM, code=code)
    central = api_as("central_organiser")
    beat(central, *codes)
    services.flush()
    go_silent(clock)
    assert Incident.objects.filter(status="open").count() == 3
    back_at = {}
    for code in codes[:2]:  # the third stays silent
        clock.advance(2)
        beat(central, code)
        back_at[code] = at(clock.now)
    services.flush()
    got = {
        i.site.code: (i.status, i.resolved_at, i.back_online_at, i.resolution)
        for i in Incident.objects.select_related("site")
    }
    text = "tự động: điểm cầu đã kết nối lại"
    assert got == {
        "MANY-0": ("resolved", back_at["MANY-0"], back_at["MANY-0"], text),
        "MANY-1": ("resolved", back_at["MANY-1"], back_at["MANY-1"], text),
        "MANY-2": ("open", None, None, ""),
    }
    assert IncidentNote.objects.count() == 2


def test_an_incident_opened_by_a_person_is_left_to_a_person(store, clock, api_as, make_site):
    make_session(status="live")
    make_site(HOAN_KIEM, code="HAND-1")
    central = api_as("central_organiser")
    beat(central, "HAND-1")
    services.flush()
    assert post(central, URL, {"site": "HAND-1", "cause": "no_sound"}).status_code in (200, 201)
    go_silent(clock)
    beat(central, "HAND-1")
    services.flush()
    manual = Incident.objects.get(origin="manual")
    assert manual.status == "open"  # the sound may still be missing: a person decides
    assert Incident.objects.get(origin="auto").status == "resolved"


def test_incident_page_names_the_site_technician_and_the_handler_apart(
    clock, web_as, make_site, make_user
):
    make_site(HOAN_KIEM, code="HN-T", tech_name="Trần Thị Bình", tech_phone="0987654321")
    make_user("province_organiser", HANOI, username="ky-thuat-hn")
    browser = web_as("province_organiser", HANOI)
    browser.post("/operations/incidents/open/", {"site": "HN-T", "cause": "power"})
    incident = Incident.objects.get()
    browser.post(f"/operations/incidents/{incident.pk}/assign/", {"assignee": "ky-thuat-hn"})
    html = browser.get(f"/operations/incidents/{incident.pk}/").content.decode()
    fields = html.split('<dl class="fields">', 1)[1].split("</dl>", 1)[0]
    labels = re.findall(r"<dt>(.*?)</dt>", fields)
    assert labels.count("Cán bộ kỹ thuật") == 1
    assert len(labels) == len(set(labels))  # no label twice
    assert "Người được giao xử lý" in labels
    assert 'href="tel:0987654321"' in fields


@pytest.mark.parametrize(
    "session",
    [
        None,
        {"status": "ended"},
        {"status": "planned", "starts": "07:30", "ends": "11:30"},  # another time of the day
        {"status": "planned", "date": LOCAL.date() + dt.timedelta(days=1)},  # another day
    ],
)
def test_no_automatic_incident_outside_a_live_session(store, clock, api_as, make_site, session):
    if session is not None:
        make_session(**session)
    make_site(HOAN_KIEM, code="AUTO-2")
    beat(api_as("central_organiser"), "AUTO-2")
    services.flush()
    go_silent(clock)
    assert not Incident.objects.exists()


def test_planned_session_counts_as_live_within_its_time_window(store, clock, api_as, make_site):
    session = make_session(status="planned", starts="22:00", ends="22:30")
    make_site(first_commune(HUE).code, code="AUTO-3")
    beat(api_as("central_organiser"), "AUTO-3")
    services.flush()
    go_silent(clock)
    incident = Incident.objects.get()
    assert incident.session == session
    assert incident.province.code == HUE


# -- by hand, scope -------------------------------------------------------------------------
def test_open_by_hand_within_write_scope_only(clock, api_as, make_site):
    make_site(HOAN_KIEM, code="HN-1")
    make_site(first_commune(HUE).code, code="HUE-1")
    operator = api_as("site_operator", "HN-1")
    organiser = api_as("province_organiser", HANOI)

    created = post(operator, URL, {"site": "HN-1", "cause": "no_sound", "description": "Mất tiếng"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["site"], body["cause"], body["origin"], body["status"]) == (
        "HN-1",
        "no_sound",
        "manual",
        "open",
    )
    assert body["province"] == HANOI
    assert post(organiser, URL, {"site": "HN-1", "cause": "power"}).status_code == 201
    assert post(operator, URL, {"site": "HUE-1", "cause": "power"}).status_code == 403
    assert post(organiser, URL, {"site": "HUE-1", "cause": "power"}).status_code == 403
    assert post(organiser, URL, {"site": "HN-1", "cause": "alien"}).status_code == 422
    assert post(api_as("viewer"), URL, {"site": "HN-1", "cause": "power"}).status_code == 403
    assert Incident.objects.count() == 2


def test_province_organiser_never_sees_another_provinces_incidents(
    clock, api_as, make_site, web_as
):
    make_site(HOAN_KIEM, code="HN-1")
    make_site(first_commune(HUE).code, code="HUE-1")
    central = api_as("central_organiser")
    hn_id = post(central, URL, {"site": "HN-1", "cause": "network"}).json()["id"]
    hue_id = post(central, URL, {"site": "HUE-1", "cause": "network"}).json()["id"]
    hanoi = api_as("province_organiser", HANOI)

    listed = hanoi.get(URL).json()
    assert [i["id"] for i in listed["items"]] == [hn_id]
    assert hanoi.get(f"{URL}?province={HUE}").json()["items"] == []
    assert hanoi.get(f"{URL}/{hue_id}").status_code == 404
    assert post(hanoi, f"{URL}/{hue_id}/notes", {"text": "x"}).status_code == 404
    assert post(hanoi, f"{URL}/{hue_id}/resolve", {"resolution": "x"}).status_code == 404
    assert post(hanoi, f"{URL}/{hue_id}/assign", {"assignee": "x"}).status_code == 404
    assert hanoi.get(f"{URL}/summary").json() == {"open": 1}
    assert [p["code"] for p in hanoi.get(f"{URL}/resolve-times").json()["provinces"]] == [HANOI]
    page = web_as("province_organiser", HANOI)
    assert page.get(f"/operations/incidents/{hue_id}/").status_code == 404
    assert "HUE-1" not in page.get("/operations/incidents/").content.decode()
    assert central.get(f"{URL}?province={HUE}").json()["total"] == 1


def test_filters(clock, api_as, make_site):
    make_site(HOAN_KIEM, code="HN-1")
    central = api_as("central_organiser")
    first = post(central, URL, {"site": "HN-1", "cause": "network"}).json()["id"]
    post(central, URL, {"site": "HN-1", "cause": "power"})
    post(central, f"{URL}/{first}/resolve", {"resolution": "ok"})
    assert [i["cause"] for i in central.get(f"{URL}?status=open").json()["items"]] == ["power"]
    assert [i["id"] for i in central.get(f"{URL}?cause=network").json()["items"]] == [first]
    assert central.get(f"{URL}?cause=bogus").status_code == 422


# -- assign, notes, resolve -----------------------------------------------------------------
def test_assign_to_a_province_technician_note_and_resolve(clock, api_as, make_site, make_user):
    make_site(HOAN_KIEM, code="HN-1")
    operator = api_as("site_operator", "HN-1")
    organiser = api_as("province_organiser", HANOI)
    tech = make_user("province_organiser", HANOI, username="ky-thuat-hn")
    make_user("province_organiser", HUE, username="ky-thuat-hue")
    pk = post(operator, URL, {"site": "HN-1", "cause": "equipment"}).json()["id"]

    names = [t["username"] for t in organiser.get(f"{URL}/{pk}/technicians").json()]
    assert "ky-thuat-hn" in names
    assert "ky-thuat-hue" not in names
    assert post(operator, f"{URL}/{pk}/assign", {"assignee": "ky-thuat-hn"}).status_code == 403
    refused = post(organiser, f"{URL}/{pk}/assign", {"assignee": "ky-thuat-hue"})
    assert refused.status_code == 422
    assigned = post(organiser, f"{URL}/{pk}/assign", {"assignee": "ky-thuat-hn"})
    assert assigned.json()["assignee"] == "ky-thuat-hn"

    clock.advance(60)
    assert post(operator, f"{URL}/{pk}/notes", {"text": "Đã thay cáp HDMI"}).status_code == 201
    assert post(operator, f"{URL}/{pk}/notes", {"text": "  "}).status_code == 422
    assert post(operator, f"{URL}/{pk}/resolve", {"resolution": "xong"}).status_code == 403

    clock.advance(540)
    technician = ApiClient(issue_token(tech.username))
    assert post(technician, f"{URL}/{pk}/notes", {"text": "Đã kiểm tra lại"}).status_code == 201
    done = post(technician, f"{URL}/{pk}/resolve", {"resolution": "Thay cáp, hình ảnh ổn định"})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "resolved"
    assert body["time_to_resolve_s"] == 600
    assert [n["text"] for n in body["notes"]] == ["Đã thay cáp HDMI", "Đã kiểm tra lại"]
    assert body["notes"][0]["at"].startswith("2025-06-15T15:07:40")
    assert post(technician, f"{URL}/{pk}/resolve", {"resolution": "again"}).status_code == 422
    assert IncidentNote.objects.count() == 2


def test_time_to_resolve_median_and_p90_per_province(clock, api_as, make_site):
    make_site(HOAN_KIEM, code="HN-1")
    make_site(first_commune(HUE).code, code="HUE-1")
    central = api_as("central_organiser")

    def incident_lasting(code, seconds):
        pk = post(central, URL, {"site": code, "cause": "network"}).json()["id"]
        clock.advance(seconds)
        assert post(central, f"{URL}/{pk}/resolve", {"resolution": "ok"}).status_code == 200

    for seconds in (240, 60, 600, 180, 120):
        incident_lasting("HN-1", seconds)
    incident_lasting("HUE-1", 30)
    post(central, URL, {"site": "HUE-1", "cause": "power"})  # still open: not in the times

    data = central.get(f"{URL}/resolve-times").json()
    by_code = {p["code"]: p for p in data["provinces"]}
    assert (by_code[HANOI]["resolved"], by_code[HANOI]["open"]) == (5, 0)
    assert (by_code[HANOI]["median_s"], by_code[HANOI]["p90_s"]) == (180, 600)
    assert (by_code[HUE]["resolved"], by_code[HUE]["open"]) == (1, 1)
    assert (by_code[HUE]["median_s"], by_code[HUE]["p90_s"]) == (30, 30)
    assert (data["total"]["resolved"], data["total"]["median_s"]) == (6, 150)

    hanoi = api_as("province_organiser", HANOI).get(f"{URL}/resolve-times").json()
    assert hanoi["total"]["resolved"] == 5


# -- pages ----------------------------------------------------------------------------------
def test_pages_list_detail_and_actions(clock, web_as, make_site, make_user):
    make_site(HOAN_KIEM, code="HN-1")
    make_user("province_organiser", HANOI, username="ky-thuat-hn")
    browser = web_as("province_organiser", HANOI)

    opened = browser.post(
        "/operations/incidents/open/", {"site": "HN-1", "cause": "no_signal", "description": "x"}
    )
    assert opened.status_code == 302
    incident = Incident.objects.get()
    detail = f"/operations/incidents/{incident.pk}/"
    assert opened["Location"] == detail
    html = browser.get(detail).content.decode()
    assert "Mất tín hiệu" in html
    assert "ky-thuat-hn" in html  # the assign form offers the province's technicians

    operator = web_as("site_operator", "HN-1")
    assert operator.post(f"{detail}resolve/", {"resolution": "x"}).status_code == 403
    assert operator.post(f"{detail}assign/", {"assignee": "ky-thuat-hn"}).status_code == 403
    browser.post(f"{detail}assign/", {"assignee": "ky-thuat-hn"})
    browser.post(f"{detail}notes/", {"text": "Đang gọi điện cho điểm cầu"})
    browser.post(f"{detail}resolve/", {"resolution": "Đã khắc phục"})
    incident.refresh_from_db()
    assert (incident.assignee.username, incident.status) == ("ky-thuat-hn", "resolved")
    assert "Đang gọi điện cho điểm cầu" in browser.get(detail).content.decode()

    listing = browser.get("/operations/incidents/?status=resolved").content.decode()
    assert "HN-1" in listing
    assert "Thời gian xử lý" in listing
    bad = browser.post("/operations/incidents/open/", {"site": "HN-1", "cause": "nope"})
    assert bad.status_code == 302
    assert Incident.objects.count() == 1


def test_dashboard_shows_the_open_incidents_count(clock, web_as, api_as, make_site):
    make_site(HOAN_KIEM, code="HN-1")
    post(api_as("central_organiser"), URL, {"site": "HN-1", "cause": "power"})
    html = web_as("province_organiser", HANOI).get("/operations/").content.decode()
    assert "/api/v1/incidents/summary" in html
    assert "/operations/incidents/" in html
