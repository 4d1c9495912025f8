"""Rehearsals: scheduling by scope, checks during the window, readiness and its drill-down,
the not-ready export, and that no province reads another's results."""

import csv
import datetime as dt
import io

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.operations.models import RehearsalCheck
from diemcau.operations.tests.conftest import T0
from diemcau.sites.models import Site
from diemcau.units.organisations import CENTRAL_CODE

pytestmark = pytest.mark.django_db

URL = "/api/v1/rehearsals"
START = dt.datetime.fromtimestamp(T0 - 3600, tz=dt.UTC)
END = dt.datetime.fromtimestamp(T0 + 3600, tz=dt.UTC)


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def schedule(client, unit, start=START, end=END, title="Kiểm tra kỹ thuật lần 1"):
    when = {"starts_at": start.isoformat(), "ends_at": end.isoformat()}
    return post(client, URL, {"title": title, **when, "unit": unit})


def check(client, rehearsal, site, stream=True, sound=True, note=""):
    body = {"site": site, "server_ok": False, "stream_ok": stream, "sound_ok": sound, "note": note}
    return post(client, f"{URL}/{rehearsal}/checks", body)


def test_who_may_schedule_where(clock, api_as, make_site):
    make_site(HOAN_KIEM, code="HN-1")
    hanoi = api_as("province_organiser", HANOI)
    created = schedule(api_as("central_organiser"), CENTRAL_CODE)
    assert created.status_code == 201, created.content
    assert created.json()["open"] is True
    assert schedule(hanoi, HANOI).status_code == 201
    assert schedule(hanoi, HOAN_KIEM).status_code == 201
    assert schedule(hanoi, HUE).status_code == 403
    assert schedule(hanoi, CENTRAL_CODE).status_code == 403
    assert schedule(api_as("site_operator", "HN-1"), HANOI).status_code == 403
    assert schedule(hanoi, HANOI, start=END, end=START).status_code == 422
    assert schedule(hanoi, "NO-SUCH").status_code == 422


def test_checks_during_the_window_from_the_sites_own_console(clock, api_as, make_site):
    make_site(HOAN_KIEM, code="HN-1")
    make_site(HOAN_KIEM, code="HN-2")
    make_site(first_commune(HUE).code, code="HUE-1")
    rid = schedule(api_as("province_organiser", HANOI), HANOI).json()["id"]
    operator = api_as("site_operator", "HN-1")

    done = check(operator, rid, "HN-1", note="Âm thanh tốt")
    assert done.status_code == 201, done.content
    assert done.json()["ready"] is True
    assert done.json()["server_ok"] is True  # the server says so, whatever the console sent
    assert RehearsalCheck.objects.get().server_ok is True
    failed = check(operator, rid, "HN-1", sound=False)
    assert (failed.json()["ready"], failed.json()["checks"]) == (False, 2)

    assert check(operator, rid, "HN-2").status_code == 403  # not their site
    assert check(api_as("central_organiser"), rid, "HUE-1").status_code == 422  # not in it
    assert check(api_as("site_operator", "HUE-1"), rid, "HUE-1").status_code == 404  # unseen
    clock.advance(2 * 3600)
    assert check(operator, rid, "HN-1").status_code == 422  # window closed
    assert RehearsalCheck.objects.count() == 2


@pytest.fixture
def network(clock, make_site, api_as):
    """A national rehearsal and sites in two Hà Nội communes and Huế, each in a known state."""
    hn2 = first_commune(HANOI).code
    hue = first_commune(HUE).code
    plan = {
        "HN-READY": (HOAN_KIEM, [(True, True)], "ready"),
        "HN-FAIL": (HOAN_KIEM, [(True, False)], "failed"),
        "HN-NEVER": (HOAN_KIEM, [], "never"),
        "HN-FIXED": (hn2, [(False, True), (True, True)], "ready"),  # the latest check counts
        "HN-BROKE": (hn2, [(True, True), (False, True)], "failed"),
        "HUE-READY": (hue, [(True, True)], "ready"),
        "HUE-NEVER": (hue, [], "never"),
    }
    for code, (unit, _checks, _state) in plan.items():
        make_site(unit, code=code)
    central = api_as("central_organiser")
    rid = schedule(central, CENTRAL_CODE).json()["id"]
    for code, (_unit, checks, _state) in plan.items():
        for stream, sound in checks:
            clock.advance(1)
            assert check(central, rid, code, stream, sound).status_code == 201
    return rid, {code: state for code, (_u, _c, state) in plan.items()}


def counts(states):
    out = {"total": len(states), "ready": 0, "failed": 0, "never": 0}
    for state in states:
        out[state] += 1
    return out


def test_readiness_counts_drill_down_and_not_ready_list(network, api_as):
    rid, states = network
    everywhere = {s.code: states.get(s.code, "never") for s in Site.objects.all()}
    central = api_as("central_organiser").get(f"{URL}/{rid}/readiness").json()
    assert central["unit"]["code"] == CENTRAL_CODE
    assert central["counts"] == counts(everywhere.values())
    hanoi_row = next(c for c in central["children"] if c["code"] == HANOI)
    hn = [s for c, s in states.items() if c.startswith("HN-")]
    assert {k: hanoi_row[k] for k in counts(hn)} == counts(hn)

    organiser = api_as("province_organiser", HANOI)
    data = organiser.get(f"{URL}/{rid}/readiness").json()
    assert data["unit"]["code"] == HANOI  # a national rehearsal, seen from their province
    assert data["counts"] == counts(hn)
    assert data["ready_percent"] == 40.0
    listed = [(s["state"], s["code"]) for s in data["sites"]]
    assert sorted(listed) == [("failed", "HN-BROKE"), ("failed", "HN-FAIL"), ("never", "HN-NEVER")]
    assert [state for state, _code in listed] == ["failed", "failed", "never"]  # failed first
    assert data["parent"] is None

    commune = organiser.get(f"{URL}/{rid}/readiness?unit={HOAN_KIEM}").json()
    assert commune["sites_are_all"] is True
    assert {s["code"]: s["state"] for s in commune["sites"]} == {
        "HN-READY": "ready",
        "HN-FAIL": "failed",
        "HN-NEVER": "never",
    }
    assert commune["parent"]["code"] == HANOI
    failed = next(s for s in commune["sites"] if s["code"] == "HN-FAIL")
    assert (failed["stream_ok"], failed["sound_ok"], failed["checks"]) == (True, False, 1)


def test_province_organiser_never_reads_another_provinces_results(clock, network, api_as):
    rid, _states = network
    hanoi = api_as("province_organiser", HANOI)
    assert hanoi.get(f"{URL}/{rid}/readiness?unit={HUE}").status_code == 404
    assert hanoi.get(f"{URL}/{rid}/readiness?unit={first_commune(HUE).code}").status_code == 404
    assert hanoi.get(f"{URL}/{rid}/readiness?unit={CENTRAL_CODE}").status_code == 404
    assert hanoi.get(f"{URL}/{rid}/not-ready.csv?unit={HUE}").status_code == 404
    body = hanoi.get(f"{URL}/{rid}/not-ready.csv").content.decode()
    assert "HUE-NEVER" not in body

    hue_only = schedule(api_as("province_organiser", HUE), HUE).json()["id"]
    assert hue_only not in [r["id"] for r in hanoi.get(URL).json()]
    assert hanoi.get(f"{URL}/{hue_only}").status_code == 404
    assert hanoi.get(f"{URL}/{hue_only}/readiness").status_code == 404
    assert hanoi.get(f"{URL}/{hue_only}/not-ready.csv").status_code == 404
    assert check(hanoi, hue_only, "HUE-READY").status_code == 404
    assert rid in [r["id"] for r in hanoi.get(URL).json()]  # the national one is theirs too


def test_not_ready_csv(network, api_as):
    rid, _states = network
    response = api_as("province_organiser", HANOI).get(f"{URL}/{rid}/not-ready.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "Mã điểm cầu"
    assert sorted(r[0] for r in rows[1:]) == ["HN-BROKE", "HN-FAIL", "HN-NEVER"]
    never = next(r for r in rows if r[0] == "HN-NEVER")
    assert never[4] == "Chưa kiểm tra"


def test_readiness_query_count_does_not_grow_with_sites(
    network, api_as, django_assert_max_num_queries
):
    rid, _states = network
    central = api_as("central_organiser")
    central.get(URL)
    with django_assert_max_num_queries(10):
        assert central.get(f"{URL}/{rid}/readiness").status_code == 200


def test_pages(network, web_as):
    rid, _states = network
    browser = web_as("province_organiser", HANOI)
    listing = browser.get("/operations/rehearsals/")
    assert listing.status_code == 200
    assert "Kiểm tra kỹ thuật lần 1" in listing.content.decode()
    page = browser.get(f"/operations/rehearsals/{rid}/").content.decode()
    assert "HN-NEVER" in page
    assert "HUE-NEVER" not in page
    assert browser.get(f"/operations/rehearsals/{rid}/?unit={HUE}").status_code == 404
    assert browser.get(f"/operations/rehearsals/{rid}/not-ready.csv").status_code == 200

    made = browser.post(
        "/operations/rehearsals/new/",
        {
            "title": "Kiểm tra lần 2",
            "starts_at": "2025-06-14T08:00",
            "ends_at": "2025-06-14T10:00",
            "unit": HANOI,
        },
    )
    assert made.status_code == 302
    assert (
        browser.post(
            "/operations/rehearsals/new/",
            {
                "title": "x",
                "starts_at": "2025-06-14T08:00",
                "ends_at": "2025-06-14T10:00",
                "unit": HUE,
            },
        ).status_code
        == 403
    )
