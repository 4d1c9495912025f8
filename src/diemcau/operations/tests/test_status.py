"""The operations status API and dashboard: counts, drill-down, trouble list, scope."""

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.operations import health, services
from diemcau.operations.models import LiveState
from diemcau.sites.models import Site
from diemcau.units.organisations import CENTRAL_CODE

pytestmark = pytest.mark.django_db

STATUS = "/api/v1/operations/status"
GOOD = {"session": "S1", "playing": True, "buffer": 8.0}


@pytest.fixture
def network(store, clock, make_site, api_as):
    """Sites in two Hà Nội communes and in Huế, in every state; returns the expected states."""
    hn2 = first_commune(HANOI).code
    hue = first_commune(HUE).code
    plan = {
        "HN-ON-1": (HOAN_KIEM, "online"),
        "HN-ON-2": (hn2, "online"),
        "HN-DEG": (HOAN_KIEM, "degraded"),
        "HN-OFF": (hn2, "offline"),
        "HN-NEVER": (HOAN_KIEM, "never"),
        "HUE-ON": (hue, "online"),
        "HUE-OFF": (hue, "offline"),
        "HUE-NEVER": (hue, "never"),
    }
    for code, (unit, _state) in plan.items():
        make_site(unit, code=code)
    central = api_as("central_organiser")
    silent = [{"site": c, **GOOD} for c, (_u, s) in plan.items() if s == "offline"]
    central.post("/api/v1/heartbeats", silent, content_type="application/json")
    services.flush()
    clock.advance(health.OFFLINE_AFTER_S + 1)
    beats = [
        {"site": c, **GOOD, **({"buffer": 0.3} if s == "degraded" else {})}
        for c, (_u, s) in plan.items()
        if s in ("online", "degraded")
    ]
    central.post("/api/v1/heartbeats", beats, content_type="application/json")
    services.flush()
    return {code: state for code, (_unit, state) in plan.items()}


def ground_truth(codes):
    counts = dict.fromkeys(["online", "degraded", "offline", "never"], 0)
    for state in codes.values():
        counts[state] += 1
    return {"total": len(codes), **counts}


def test_central_status_matches_ground_truth(network, api_as):
    data = api_as("central_organiser").get(STATUS).json()
    all_sites = {s.code: network.get(s.code, "never") for s in Site.objects.all()}
    assert data["unit"]["code"] == CENTRAL_CODE
    assert data["counts"] == ground_truth(all_sites)
    hanoi = next(c for c in data["children"] if c["code"] == HANOI)
    hn = {c: s for c, s in network.items() if c.startswith("HN-")}
    assert {k: hanoi[k] for k in ground_truth(hn)} == ground_truth(hn)
    assert [(w["code"], w["state"]) for w in data["worst"]] == [
        ("HN-OFF", "offline"),
        ("HUE-OFF", "offline"),
        ("HN-DEG", "degraded"),
    ]
    assert data["worst"][0]["reasons"] == ["silent"]
    assert data["worst"][2]["reasons"] == ["buffering"]


def test_offline_counts_at_read_time_before_any_sweep(network, api_as, clock):
    """A site that stops sending is offline on the dashboard as soon as the delay passes."""
    central = api_as("central_organiser")
    clock.advance(health.OFFLINE_AFTER_S + 0.5)  # no flush: the figures must not wait for it
    counts = central.get(f"{STATUS}?unit={HANOI}").json()["counts"]
    assert counts["offline"] == 4  # every Hà Nội site that was ever seen
    assert counts["online"] == counts["degraded"] == 0


def test_drill_down_to_a_commune(network, api_as):
    data = api_as("central_organiser").get(f"{STATUS}?unit={HOAN_KIEM}").json()
    expected = {c: s for c, s in network.items() if c in ("HN-ON-1", "HN-DEG", "HN-NEVER")}
    assert data["counts"] == ground_truth(expected)
    assert data["parent"]["code"] == HANOI
    assert [w["code"] for w in data["worst"]] == ["HN-DEG"]


def test_province_organiser_sees_only_their_province(network, api_as):
    organiser = api_as("province_organiser", HANOI)
    data = organiser.get(STATUS).json()
    hn = {c: s for c, s in network.items() if c.startswith("HN-")}
    assert data["unit"]["code"] == HANOI
    assert data["counts"] == ground_truth(hn)
    assert {w["code"] for w in data["worst"]} == {"HN-OFF", "HN-DEG"}
    assert data["parent"] is None  # the country is not theirs to read
    assert {c["code"] for c in data["children"]} <= set(
        Site.objects.filter(province__code=HANOI).values_list("unit__code", flat=True)
    )
    assert organiser.get(f"{STATUS}?unit={HUE}").status_code == 404
    assert organiser.get(f"{STATUS}?unit={first_commune(HUE).code}").status_code == 404
    assert organiser.get(f"{STATUS}?unit={CENTRAL_CODE}").status_code == 404
    assert api_as("site_operator", "HN-ON-1").get(STATUS).status_code == 404


def test_status_query_count_does_not_grow_with_sites(
    network, api_as, django_assert_max_num_queries
):
    central = api_as("central_organiser")
    central.get(STATUS)  # warm the token
    with django_assert_max_num_queries(8):
        assert central.get(STATUS).status_code == 200


def test_dashboard_page(network, web_as):
    organiser = web_as("province_organiser", HANOI)
    page = organiser.get("/operations/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Vận hành trực tiếp" in html
    assert '"unit": "01"' in html
    assert organiser.get(f"/operations/?unit={HOAN_KIEM}").status_code == 200
    assert organiser.get(f"/operations/?unit={HUE}").status_code == 404
    assert web_as("central_organiser").get(f"/operations/?unit={HUE}").status_code == 200


def test_states_are_the_documented_four():
    assert [s.value for s in LiveState] == ["never", "online", "degraded", "offline"]
