"""Catch-up (xem lại): minutes of a recording watched, credited so they cannot be inflated, and
the organiser's rule by which watching counts as following a session one did not attend."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from diemcau.assessment import links
from diemcau.assessment.catchup import services as catchup
from diemcau.assessment.catchup import watching
from diemcau.assessment.completion import services as completion
from diemcau.assessment.models import CatchUpRule, CatchUpView
from diemcau.assessment.tests.helpers import attend, passed_client, world
from diemcau.streaming.models import Recording

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2025, 6, 14, 9, 0, tzinfo=dt.UTC)
LENGTH = 3600.0  # a one-hour recording


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def w(make_site: Any) -> dict[str, Any]:
    found = world(make_site)
    found["recordings"] = [
        Recording.objects.create(
            session=session,
            name=f"rec-test-{session.pk}",
            renditions=["480p", "audio"],
            started_at=timezone.now(),
            duration_s=LENGTH,
            segments=1800,
            topics=[{"topic": 1, "number": 1, "title": "Chuyên đề 1", "offset_s": 600}],
        )
        for session in found["sessions"]
    ]
    return found


def report(w: dict[str, Any], who: str, ranges: list[list[float]], when: float, rec: int = 0):
    recording = w["recordings"][rec]
    return watching.record(
        w[who].pk, recording.pk, recording.session_id, LENGTH, ranges, now=at(when)
    )


def test_ranges_merge_inside_the_recording() -> None:
    assert watching.merge([[50, 80], [0, 10], [5, 20], [70, 90], [95, 95]], 85) == [
        (0, 20),
        (50, 85),
    ]
    assert watching.subtract([(0, 100)], [(10, 20), (50, 60)]) == [(0, 10), (20, 50), (60, 100)]
    assert watching.credit([(0, 30)], [(0, 100)], 40) == [(0, 70)]


def test_a_report_twice_or_overlapping_adds_nothing_twice(w) -> None:
    assert report(w, "an", [[0, 30]], 30) == (30, LENGTH)
    assert report(w, "an", [[0, 30]], 60) == (30, LENGTH)  # the same snapshot again
    assert report(w, "an", [[0, 60]], 65) == (60, LENGTH)  # 30 s more, not 60
    assert report(w, "an", [[20, 50], [0, 60]], 70)[0] == 60  # another tab, same part
    view = CatchUpView.objects.get(delegate=w["an"])
    assert view.ranges == [[0, 60]] and view.reports == 4


def test_watched_time_cannot_outrun_the_clock_nor_the_recording(w) -> None:
    # A forged report of the whole hour at once is credited one report's worth.
    assert report(w, "an", [[0, 3600]], 0)[0] == watching.SLACK_S
    # Ten minutes later the same forged hour: ten minutes more, never faster than the clock.
    assert report(w, "an", [[0, 3600]], 600)[0] == 600 + watching.SLACK_S
    # Many reports a second do not add their slack each.
    for i in range(20):
        report(w, "an", [[0, 3600]], 600 + i * 0.05)
    assert CatchUpView.objects.get(delegate=w["an"]).watched_s <= 601 + watching.SLACK_S
    # Nothing beyond the recording's end, however long one waits.
    assert report(w, "an", [[0, 9999]], 86_400)[0] == LENGTH


def test_absent_but_watched_to_the_rule_counts_as_followed(w) -> None:
    conference = w["conference"]
    morning, afternoon = w["sessions"]
    for second in range(0, 3000, 30):  # 50 minutes of the morning's hour, reported as played
        report(w, "an", [[0, second + 30]], second + 30)
    report(w, "binh", [[0, 1200]], 2000)  # 20 minutes only
    attend(w["hoa"], morning)
    report(w, "hoa", [[0, 3600]], 7200)  # attended and watched: one session, not two
    ids = [w["an"].pk, w["binh"].pk, w["hoa"].pk]

    assert catchup.caught_up(ids, conference.pk) == {}  # no rule: watching counts for nothing
    CatchUpRule.objects.create(conference=conference, percent=80)

    assert catchup.caught_up(ids, conference.pk) == {w["an"].pk: 1}
    found = completion.statuses(ids, conference.pk)
    assert (found[w["an"].pk].attended, found[w["an"].pk].caught_up) == (0, 1)
    assert found[w["binh"].pk].caught_up == 0
    assert (found[w["hoa"].pk].attended, found[w["hoa"].pk].caught_up) == (1, 0)
    assert catchup.watched_minutes(ids, conference.pk)[w["an"].pk] == 50.0

    # The per-site counters (the dashboards) agree with the statuses.
    figures = completion.count(conference.pk, [w["hk"].pk])[w["hk"].pk]
    assert figures[0:2] == (2, 1)  # 2 delegates at HK-A, 1 followed ≥ 1 session (An, by recording)

    CatchUpRule.objects.filter(conference=conference).update(percent=90)  # 50/60 min < 90 %
    assert catchup.caught_up(ids, conference.pk) == {}
    assert completion.count(conference.pk, [w["hk"].pk])[w["hk"].pk][1] == 0
    assert afternoon.pk not in {v.session_id for v in CatchUpView.objects.all()}


def test_the_delegate_reports_through_their_link_and_completion_shows_it(w, api_as, web_as) -> None:
    CatchUpRule.objects.create(conference=w["conference"], percent=80)
    recording = w["recordings"][0]
    token = links.token_for(w["an"])
    client = passed_client(w["an"])
    base = f"/api/v1/assessment/catchup/me/{token}"

    listed = client.get(f"{base}/{w['conference'].pk}/recordings").json()
    assert [r["id"] for r in listed] == [r.pk for r in w["recordings"]]
    assert listed[0]["topics"][0]["offset_s"] == 600 and listed[0]["percent"] == 0
    CatchUpView.objects.create(
        delegate=w["an"],
        recording_id=recording.pk,
        session=recording.session,
        duration_s=LENGTH,
        ranges=[[0, 2900]],
        watched_s=2900,
        first_at=timezone.now() - dt.timedelta(hours=1),
        reported_at=timezone.now() - dt.timedelta(minutes=1),
    )
    answer = client.post(
        f"{base}/recordings/{recording.pk}/watched",
        {"ranges": [[0, 2930]]},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["watched_s"] == 2930 and data["counts"] and data["followed_by_recording"] == 1
    me = client.get(f"/api/v1/assessment/me/{token}/{w['conference'].pk}").json()
    assert me["completion"]["caught_up"] == 1

    stranger = client.__class__()  # no pass: refused, nothing credited
    refused = stranger.post(
        f"{base}/recordings/{recording.pk}/watched",
        {"ranges": [[0, 3600]]},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert CatchUpView.objects.get(delegate=w["an"]).watched_s == 2930

    central_page = web_as("central_organiser").get(f"/assessment/{w['conference'].pk}/completion/")
    assert 'id="caught-up-total">1<' in central_page.content.decode()
    assert "Xem lại" in central_page.content.decode()
    page = client.get(f"/hoc-vien/{token}/{w['conference'].pk}/").content.decode()
    assert "xem lại" in page and "Chuyên đề 1" in page
    watch = client.get(f"/hoc-vien/{token}/{w['conference'].pk}/xem-lai/{recording.pk}/?t=600")
    assert watch.status_code == 200 and '"start": 600' in watch.content.decode()


def test_only_central_organisers_set_the_rule(w, api_as) -> None:
    url = f"/api/v1/assessment/catchup/conferences/{w['conference'].pk}/rule"
    province = api_as("province_organiser", "01")
    assert province.put(url, {"percent": 50}, content_type="application/json").status_code == 403
    assert province.get(url).json() == {
        "conference": w["conference"].pk,
        "enabled": False,
        "percent": 0,
    }
    central = api_as("central_organiser")
    bad = central.put(url, {"percent": 0}, content_type="application/json")
    assert bad.status_code == 422
    done = central.put(url, {"percent": 75}, content_type="application/json")
    assert done.json() == {"conference": w["conference"].pk, "enabled": True, "percent": 75}
    assert catchup.rule_of(w["conference"].pk).percent == 75
