"""A site that rewound after a loss of signal says how far behind live it watches (issue 22).

The console's heartbeat carries `behind` (seconds behind the live edge, 0 = live) on both ways
in (Django and the fast path); the flush keeps it per site; a chosen rewind is not "high
latency" trouble; the list of sites says it in words.
"""

import pytest

from diemcau.conftest import HOAN_KIEM
from diemcau.operations import fastpath, health, services
from diemcau.operations.models import HeartbeatSample, SiteLive
from diemcau.operations.tests.test_fastpath import Server

pytestmark = pytest.mark.django_db

GOOD = {"session": "S1", "playing": True, "buffer": 8.0, "bitrate": 600}
BEHIND = {**GOOD, "latency": 754_000, "behind": 750}


def test_behind_is_kept_and_a_rewind_is_not_latency_trouble(store, clock, api_as, make_site):
    make_site(HOAN_KIEM, code="BH-REWIND")
    make_site(HOAN_KIEM, code="BH-STUCK")
    central = api_as("central_organiser")
    beats = [{"site": "BH-REWIND", **BEHIND}, {"site": "BH-STUCK", **GOOD, "latency": 754_000}]
    response = central.post("/api/v1/heartbeats", beats, content_type="application/json")
    assert response.status_code == 200, response.content

    services.flush()

    rewind = SiteLive.objects.get(site__code="BH-REWIND")
    assert (rewind.behind_s, rewind.state, rewind.reasons) == (750, "online", "")
    stuck = SiteLive.objects.get(site__code="BH-STUCK")
    assert (stuck.behind_s, stuck.state, stuck.reasons) == (0, "degraded", "latency")
    assert sorted(HeartbeatSample.objects.values_list("behind_s", flat=True)) == [0, 750]
    assert stuck.latency_ms > health.MAX_LATENCY_MS

    data = central.get("/api/v1/operations/sites?state=all&sort=name").json()
    by_code = {i["code"]: i for i in data["items"]}
    assert by_code["BH-REWIND"]["behind_s"] == 750
    assert "12 phút" in by_code["BH-REWIND"]["cause"]
    assert by_code["BH-STUCK"]["behind_s"] == 0


def test_the_sites_page_says_the_site_watches_behind(store, clock, api_as, web_as, make_site):
    make_site(HOAN_KIEM, code="BH-PAGE", name="Điểm cầu Xem Lại")
    api_as("central_organiser").post(
        "/api/v1/heartbeats", {"site": "BH-PAGE", **BEHIND}, content_type="application/json"
    )
    services.flush()
    page = web_as("central_organiser").get("/operations/sites/?state=all&q=BH-PAGE")
    assert page.status_code == 200
    assert "đang xem lại, chậm 12 phút so với trực tiếp" in page.content.decode()


@pytest.mark.parametrize(("behind", "kept"), [(30, True), (-1, False), (86_401, False)])
def test_the_fast_path_takes_behind_within_bounds(store, clock, api_as, make_site, behind, kept):
    site = make_site(code="BH-FAST")
    fastpath.callers.clear()
    server = Server()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_as('central_organiser').token}"}
    assert server.post({"site": "BH-FAST", **GOOD}, headers=auth)[0] == 200
    calls = server.django_calls

    code, _body = server.post({"site": "BH-FAST", **GOOD, "behind": behind}, headers=auth)

    assert code == (200 if kept else 422)
    assert server.django_calls == calls + (0 if kept else 1)  # out of range: Django answers
    if kept:
        assert store.latest(site.pk).behind_s == behind
