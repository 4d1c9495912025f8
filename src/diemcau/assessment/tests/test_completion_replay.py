"""The completion dashboard's "Xem lại" column: minutes of recordings the delegates watched
(catch-up), from the same per-site counters as the other figures, in scope, kept fresh when a
delegate reports more minutes."""

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from diemcau.assessment.catchup import watching
from diemcau.assessment.completion import counters, exporting
from diemcau.assessment.tests.helpers import world
from diemcau.conftest import HANOI, HOAN_KIEM, HUE
from diemcau.streaming.models import Recording

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2025, 6, 14, 9, 0, tzinfo=dt.UTC)
LENGTH = 3600.0


@pytest.fixture
def w(make_site: Any) -> dict[str, Any]:
    found = world(make_site)
    found["recording"] = Recording.objects.create(
        session=found["sessions"][0], name="rec-replay", renditions=["480p"],
        started_at=timezone.now(), duration_s=LENGTH, segments=1800, topics=[],
    )  # fmt: skip
    return found


def watch(w: dict[str, Any], who: str, minutes: int) -> None:
    recording = w["recording"]
    for second in range(0, minutes * 60, 60):  # reported as played, minute by minute
        end = second + 60
        watching.record(
            w[who].pk, recording.pk, recording.session_id, LENGTH, [[0, end]],
            now=T0 + dt.timedelta(seconds=end),
        )  # fmt: skip


def _row(page: str, name: str) -> str:
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def test_the_dashboard_shows_minutes_caught_up_by_replay(w, web_as) -> None:
    watch(w, "an", 50)
    watch(w, "binh", 20)
    watch(w, "hoa", 5)
    conference = w["conference"].pk
    assert counters.count(conference, [w["hk"].pk])[w["hk"].pk][-1] == 70 * 60

    page = web_as("central_organiser").get(
        f"/assessment/completion/?conference={conference}&unit={HOAN_KIEM}"
    )
    text = page.content.decode()
    assert page.status_code == 200 and "Xem lại (phút)" in text
    assert "<strong>70</strong> phút xem lại" in text
    assert '<td class="num">70</td>' in _row(text, w["hk"].name)

    # A province organiser sees their own province's minutes, not Huế's.
    hanoi = web_as("province_organiser", HANOI).get(
        f"/assessment/completion/?conference={conference}"
    )
    assert "<strong>70</strong> phút xem lại" in hanoi.content.decode()
    hue = web_as("province_organiser", HUE).get(f"/assessment/completion/?conference={conference}")
    assert "<strong>5</strong> phút xem lại" in hue.content.decode()

    # More minutes reported: the site's counter is recounted on the next read.
    watch(w, "binh", 30)
    again = web_as("central_organiser").get(
        f"/assessment/completion/?conference={conference}&unit={HOAN_KIEM}"
    )
    assert "<strong>80</strong> phút xem lại" in again.content.decode()


def test_the_excel_file_has_the_same_minutes(w) -> None:
    from diemcau.accounts.scopes import Scope

    watch(w, "an", 12)
    lines = exporting.site_lines(Scope(user_id=0, everything=True), w["conference"].pk, None)
    by_code = {line["site__code"]: line["watched_s"] for line in lines}
    assert by_code == {"HK-A": 12 * 60, "HUE-A": 0}
    content = exporting.to_xlsx(Scope(user_id=0, everything=True), w["conference"].pk, None)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Điểm cầu")
    head, *rows = sheet.to_python()
    assert head[-1] == "Xem lại (phút)"
    assert {r[0]: r[-1] for r in rows} == {"HK-A": 12, "HUE-A": 0}
