"""/metrics as a monitoring system reads it: only with its token; every request counted under
its route pattern (the fast paths in front of Django too); check-ins by outcome; the sites'
states exactly as the operations dashboard counts them; the task queue's depth."""

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY

from diemcau.attendance.tests.helpers import badge, make_delegate, make_session, scan
from diemcau.conftest import HOAN_KIEM
from diemcau.metrics.wsgi import wrap
from diemcau.operations import health
from diemcau.operations.models import SiteLive
from diemcau.tasks.models import Task, TaskStatus

pytestmark = pytest.mark.django_db
TOKEN = "giam-sat-" + "x" * 24


@pytest.fixture
def scrape(settings: Any) -> Any:
    settings.DIEMCAU_METRICS_TOKEN = TOKEN

    def read() -> str:
        response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return read


def value(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        found = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if found and ",".join(sorted((found.group(1) or "").split(","))) == want:
            return float(found.group(2))
    raise AssertionError(f"{name}{{{want}}} not in the scrape")


def test_only_the_monitoring_token_reads_it(settings: Any) -> None:
    settings.DIEMCAU_METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404  # not configured: not there
    settings.DIEMCAU_METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer sai").status_code == 403
    assert Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_sites_by_state_are_the_dashboards_own_figures(
    scrape: Any, make_site: Any, api_as: Any
) -> None:
    now = timezone.now()
    long_ago = now - dt.timedelta(seconds=health.OFFLINE_AFTER_S + 60)
    lives = [("online", now), ("degraded", now), ("offline", long_ago), ("online", long_ago)]
    for n in range(3):
        make_site(HOAN_KIEM, code=f"M-{n}")
    for n, (state, seen) in enumerate(lives):  # the last: silent too long, offline at read time
        site = make_site(HOAN_KIEM, code=f"L-{n}")
        SiteLive.objects.create(site=site, state=state, since=seen, last_seen=seen)
    dashboard = api_as("central_organiser").get("/api/v1/operations/status").json()["counts"]
    text = scrape()
    for state in ("online", "degraded", "offline", "never"):
        assert value(text, "diemcau_sites", state=state) == dashboard[state]
    expected = {"online": 1, "degraded": 1, "offline": 2, "never": 3}
    assert {s: value(text, "diemcau_sites", state=s) for s in expected} == expected


def test_the_queue_depth_counts_waiting_tasks(scrape: Any, make_user: Any) -> None:
    Task.objects.create(kind="tasks.ping", status=TaskStatus.QUEUED)
    Task.objects.create(kind="tasks.ping", status=TaskStatus.QUEUED)
    Task.objects.create(kind="tasks.ping", status=TaskStatus.RUNNING)
    text = scrape()
    assert value(text, "diemcau_tasks", status="queued") == 2
    assert value(text, "diemcau_tasks", status="running") == 1
    assert value(text, "diemcau_task_queue_oldest_seconds") >= 0


def _call(app: Any, method: str, path: str, body: bytes = b"", **headers: str) -> str:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    status: list[str] = []
    b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    return status[0]


def counted(route: str, method: str, status: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "diemcau_http_requests_total", {"route": route, "method": method, "status": status}
        )
        or 0.0
    )


def test_each_request_is_counted_under_its_route_pattern_not_its_address(
    make_site: Any,
) -> None:
    app = wrap(WSGIHandler())
    make_site(HOAN_KIEM, code="R-1")
    route = "api/v1/sites/<code>"
    before = {s: counted(route, "GET", s) for s in ("4xx", "2xx")}
    assert _call(app, "GET", "/api/v1/sites/R-1").startswith("401")
    assert _call(app, "GET", "/api/v1/sites/KHONG-CO").startswith("401")
    assert counted(route, "GET", "4xx") - before["4xx"] == 2
    unmatched = counted("unmatched", "GET", "4xx")
    _call(app, "GET", "/khong-co-trang-nay/")
    assert counted("unmatched", "GET", "4xx") >= unmatched  # an unknown address: no new series
    latency = REGISTRY.get_sample_value("diemcau_http_request_seconds_count", {"route": route})
    assert latency and latency >= 2


def test_check_ins_are_counted_by_outcome(scrape: Any, make_site: Any, api_as: Any) -> None:
    site = make_site(HOAN_KIEM, code="CK-1")
    session = make_session()
    person = make_delegate(site)
    text = scrape()
    accepted = value(text, "diemcau_checkins_total", outcome="accepted")
    duplicate = value(text, "diemcau_checkins_total", outcome="duplicate")
    api = api_as("central_organiser")
    first = scan(person, site, session)
    batch = {"scans": [first, first, scan("DC1:khong:hop-le", site, session)]}
    assert api.post("/api/v1/checkins", batch, content_type="application/json").status_code == 200
    text = scrape()
    assert value(text, "diemcau_checkins_total", outcome="accepted") == accepted + 1
    assert value(text, "diemcau_checkins_total", outcome="duplicate") == duplicate + 1
    assert value(text, "diemcau_checkins_total", outcome="rejected") >= 1
    assert badge(person)  # the badge the scan carried was the person's own
