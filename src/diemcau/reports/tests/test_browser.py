"""The report page in Chromium: the charts are drawn, sized and complete (a screenshot is kept).

Playwright drives Debian's Chromium against pytest-django's live server, with the console
tests' fixtures (one browser per module, a signed-in context per user).
"""

from pathlib import Path
from typing import Any

import pytest

from diemcau.attendance.services import refresh_registered
from diemcau.attendance.tests.helpers import scan, world

pytestmark = pytest.mark.browser


@pytest.fixture
def report_world(units: None, make_site: Any, make_user: Any, api_as: Any) -> dict[str, Any]:
    data = world(make_site)
    refresh_registered()
    s, p, sites = data["session"], data["people"], data["sites"]
    scans = [
        scan(p["a1"], sites["HK-A"], s, scanned_at="2025-06-14T08:05:10+07:00"),
        scan(p["a2"], sites["HK-A"], s, scanned_at="2025-06-14T08:12:00+07:00"),
        scan(p["h1"], sites["HUE-A"], s, scanned_at="2025-06-14T08:31:00+07:00"),
    ]
    client = api_as("central_organiser")
    done = client.post("/api/v1/checkins", {"scans": scans}, content_type="application/json")
    assert done.status_code == 200, done.content
    return {**data, "central": make_user("central_organiser")}


def _box(element: Any) -> dict[str, float]:
    """The element's drawn size on the page (Playwright's bounding_box pads empty SVG shapes)."""
    box: dict[str, float] = element.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {width: r.width, height: r.height}; }"
    )
    return box


def test_the_report_page_shows_its_charts(
    report_world: dict[str, Any], browser_as: Any, live_server: Any, tmp_path: Path
) -> None:
    context = browser_as(report_world["central"])
    page = context.new_page()
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{live_server.url}/reports/?unit=TW&session={report_world['session'].pk}")
    chart = page.locator("#chart-diem-danh-theo-gio")
    svg = _box(chart)
    assert svg["width"] > 300 and svg["height"] > 100
    bars = chart.locator("rect.bar")
    assert bars.count() == 42  # 08:00–11:30 in 5-minute buckets
    heights = [_box(bars.nth(i))["height"] for i in range(bars.count())]
    # check-ins fell in three buckets (08:05, 08:10, 08:30): those bars and no other have height
    assert [i for i, h in enumerate(heights) if h > 0] == [1, 2, 6]
    line = _box(chart.locator("polyline.running"))
    assert line["width"] > 300
    assert _box(page.locator("#chart-su-co-theo-gio"))["width"] > 300
    # bars by province beside the attendance table: one per row, Hà Nội's twice Huế's
    rows = page.locator("#dai-bieu + table tbody tr:not(:last-child)")
    widths = [_box(rows.nth(i).locator("span.bar"))["width"] for i in range(rows.count())]
    assert rows.count() == 2 and sorted(widths) == [50, 100]
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
