"""Completion rates from the counters: they add up to the per-delegate statuses at every level,
follow the caller's scope, agree with the Excel file, and stay right as delegates progress."""

import datetime as dt
import io
import uuid
import zipfile
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from python_calamine import CalamineWorkbook

from diemcau.accounts.scopes import Scope
from diemcau.assessment import conference_settings
from diemcau.assessment.completion import services as completion_counters
from diemcau.assessment.completion import status as completion
from diemcau.assessment.models import CompletionSite, Reflection
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.reflections import services as grading
from diemcau.assessment.reflections import services as reflections
from diemcau.assessment.tests.helpers import attend, make_delegate, right_answers, world
from diemcau.attendance.checkins import ScanIn, record_scans
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.delegates.badge_token import payload_for
from diemcau.delegates.signals import delegates_changed

VN = ZoneInfo("Asia/Ho_Chi_Minh")

pytestmark = pytest.mark.django_db
TEXT = ["Bài thu hoạch đủ dài để nộp được.", "Vận dụng."]
API = "/api/v1/completion"
FIELDS = ("delegates", "attended", "quiz_passed", "report_graded", "report_passed", "completed")


def pass_quiz(w: dict[str, Any], delegate: Any) -> None:
    attempt = quiz.start_attempt(delegate, w["conference"].pk)
    quiz.submit(delegate, attempt.pk, right_answers(attempt))


def report(w: dict[str, Any], delegate: Any, score: int) -> None:
    found = reflections.save_text(delegate, w["conference"].pk, TEXT, final=True)
    grading.grade(Scope(user_id=None, everything=True), found.pk, score, "")


@pytest.fixture
def w(make_site: Any) -> dict[str, Any]:
    """Five delegates in four sites, three units, two provinces, at every stage."""
    w = world(make_site)
    w["hk_b"] = make_site(HOAN_KIEM, code="HK-B")
    w["hn_p"] = make_site(HANOI, code="HN-P")  # a province-level body's site
    w["cuong"] = make_delegate(w["hk_b"], "Phạm Văn Cường")
    w["dung"] = make_delegate(w["hn_p"], "Đỗ Thị Dung")
    s1 = w["sessions"][0]
    for who in ("an", "cuong"):  # complete
        attend(w[who], s1)
        pass_quiz(w, w[who])
        report(w, w[who], 8)
    attend(w["binh"], s1)  # attended only
    attend(w["hoa"], s1)  # everything, but the report below the mark
    pass_quiz(w, w["hoa"])
    report(w, w["hoa"], 3)
    pass_quiz(w, w["dung"])  # the quiz only
    return w


def expected(conf_id: int) -> dict[str, dict[str, Counter[str]]]:
    """The figures per site, unit, province and level, added up from the statuses."""
    from diemcau.delegates.models import Delegate

    rule = conference_settings.settings_for(conf_id)
    rows = list(
        Delegate.objects.values_list(
            "pk", "site__code", "site__unit__code", "site__province__code", "site__unit__level"
        )
    )
    found = completion.statuses([r[0] for r in rows], conf_id)
    out: dict[str, dict[str, Counter[str]]] = {k: {} for k in ("site", "unit", "province", "level")}
    for pk, site, unit, province, level in rows:
        s = found[pk]
        for kind, key in (("site", site), ("unit", unit), ("province", province), ("level", level)):
            c = out[kind].setdefault(key, Counter())
            c["delegates"] += 1
            c["attended"] += s.attended >= rule.min_sessions
            c["quiz_passed"] += s.quiz_passed
            c["report_graded"] += s.report_score is not None
            c["report_passed"] += s.report_score is not None and s.report_score >= 5
            c["completed"] += s.complete
    return out


def figures(row: dict[str, Any]) -> dict[str, int]:
    return {k: row[k] for k in FIELDS}


def counted(c: Counter[str]) -> dict[str, int]:
    return {k: c[k] for k in FIELDS}


def test_rates_add_up_from_site_to_nation(w: dict[str, Any], api_as: Any) -> None:
    conf_id = w["conference"].pk
    want = expected(conf_id)
    central = api_as("central_organiser")
    nation = central.get(f"{API}?conference={conf_id}").json()
    assert (nation["delegates"], nation["completed"], nation["rate"]) == (5, 2, 0.4)
    assert {c["code"]: figures(c) for c in nation["children"]} == {
        k: counted(v) for k, v in want["province"].items()
    }
    assert {lv["level"]: figures(lv) for lv in nation["by_level"] if lv["delegates"]} == {
        k: counted(v) for k, v in want["level"].items()
    }
    hanoi = central.get(f"{API}?conference={conf_id}&unit={HANOI}").json()
    assert figures(hanoi) == counted(want["province"][HANOI])
    assert {c["code"]: figures(c) for c in hanoi["children"]} == {
        k: counted(v) for k, v in want["unit"].items() if k in (HOAN_KIEM, HANOI)
    }
    commune = central.get(f"{API}?conference={conf_id}&unit={HOAN_KIEM}").json()
    assert {c["code"]: figures(c) for c in commune["children"]} == {
        k: counted(want["site"][k]) for k in ("HK-A", "HK-B")
    }
    assert [c["rate"] for c in commune["children"]] == [0.5, 1.0]
    assert nation["pending_sites"] == 0


def test_a_province_organiser_reads_their_province_only(w: dict[str, Any], api_as: Any) -> None:
    conf_id = w["conference"].pk
    hanoi = api_as("province_organiser", HANOI)
    mine = hanoi.get(f"{API}?conference={conf_id}").json()  # by default their province
    assert (mine["unit"]["code"], mine["delegates"], mine["completed"]) == (HANOI, 4, 2)
    for unit in ("46", first_commune(HUE).code):
        assert hanoi.get(f"{API}?conference={conf_id}&unit={unit}").status_code == 404
        assert hanoi.get(f"{API}/export.xlsx?conference={conf_id}&unit={unit}").status_code == 404
    assert hanoi.get(f"{API}?conference={conf_id}&unit=TW").status_code == 404
    hue = api_as("province_organiser", HUE).get(f"{API}?conference={conf_id}").json()
    assert (hue["delegates"], [c["code"] for c in hue["children"]]) == (
        1,
        [first_commune(HUE).code],
    )


def _sheet(content: bytes, title: str) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(title).to_python()


def test_the_excel_file_adds_up_to_the_api(w: dict[str, Any], api_as: Any) -> None:
    conf_id = w["conference"].pk
    central = api_as("central_organiser")
    nation = central.get(f"{API}?conference={conf_id}").json()
    response = central.get(f"{API}/export.xlsx?conference={conf_id}")
    assert response.status_code == 200
    content = response.content
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names == ["Tỉnh", "Xã, cơ quan", "Điểm cầu", "Theo cấp"]
    head, *rows = _sheet(content, "Tỉnh")
    assert head[:8] == ["Mã", "Tên", "Đại biểu", "Dự đủ số phiên", "Đạt bài kiểm tra",
                        "Bài thu hoạch đã chấm", "Bài thu hoạch đạt", "Hoàn thành"]  # fmt: skip
    assert {r[0]: dict(zip(FIELDS, map(int, r[2:8]), strict=True)) for r in rows} == {
        c["code"]: figures(c) for c in nation["children"]
    }
    for title, first in (("Xã, cơ quan", 3), ("Điểm cầu", 3), ("Theo cấp", 2)):
        _head, *body = _sheet(content, title)
        sums = [int(sum(r[first + i] for r in body)) for i in range(len(FIELDS))]
        assert sums == [nation[k] for k in FIELDS], title
    sites = {r[0]: r for r in _sheet(content, "Điểm cầu")[1:]}
    assert sites["HK-A"][9] == 0.5
    with zipfile.ZipFile(io.BytesIO(content)) as z:  # frozen header, number formats
        sheet = z.read("xl/worksheets/sheet3.xml").decode()
        styles = z.read("xl/styles.xml").decode()
    assert 'topLeftCell="C2"' in sheet and 'state="frozen"' in sheet
    assert 'formatCode="0.0%"' in styles and 'formatCode="#,##0"' in styles
    hanoi = api_as("province_organiser", HANOI).get(f"{API}/export.xlsx?conference={conf_id}")
    hanoi_book = CalamineWorkbook.from_filelike(io.BytesIO(hanoi.content))
    assert hanoi_book.sheet_names == ["Xã, cơ quan", "Điểm cầu", "Theo cấp"]
    assert {r[0] for r in _sheet(hanoi.content, "Điểm cầu")[1:]} == {"HK-A", "HK-B", "HN-P"}


def _row(w: dict[str, Any], site: str) -> CompletionSite:
    return CompletionSite.objects.get(conference=w["conference"], site=w[site])


def test_counters_follow_a_pass_a_grade_and_a_check_in(w: dict[str, Any]) -> None:
    conf_id = w["conference"].pk
    nation = Scope(user_id=None, everything=True)
    from diemcau.assessment.completion.services import rollup

    assert rollup(nation, conf_id, None)["completed"] == 2  # built on this first read
    assert not CompletionSite.objects.filter(stale=True).exists()

    pass_quiz(w, w["binh"])  # binh: attended and now passed
    assert _row(w, "hk").stale and not _row(w, "hue").stale
    report(w, w["binh"], 9)
    data = rollup(nation, conf_id, HOAN_KIEM)
    assert [(c["code"], c["completed"]) for c in data["children"]] == [("HK-A", 2), ("HK-B", 1)]
    assert not _row(w, "hk").stale

    found = Reflection.objects.get(delegate=w["hoa"])
    grading.grade(Scope(user_id=None, everything=True), found.pk, 7, "")  # regraded
    assert _row(w, "hue").stale
    assert rollup(nation, conf_id, None)["completed"] == 4

    # dung passed the quiz; a check-in and a graded report complete her. The check-in goes
    # through the attendance app's own path, whose signal marks her site.
    report(w, w["dung"], 6)
    completion_counters.refresh_stale(conf_id)
    assert not _row(w, "hn_p").stale
    afternoon = w["sessions"][1]
    scanned = dt.datetime.combine(afternoon.day.date, dt.time(14, 5), tzinfo=VN).isoformat()
    dung = w["dung"]
    result = record_scans(
        nation,
        [ScanIn(str(uuid.uuid4()), payload_for(dung.code, dung.secret), dung.site.code,
                afternoon.pk, scanned)],
    )  # fmt: skip
    assert result.results[0].status == "accepted", result.results[0]
    assert _row(w, "hn_p").stale
    assert rollup(nation, conf_id, None)["completed"] == 5
    assert counted(expected(conf_id)["province"][HANOI]) == figures(rollup(nation, conf_id, HANOI))


def test_counters_follow_the_rule_and_new_delegates(w: dict[str, Any], make_site: Any) -> None:
    conf_id = w["conference"].pk
    nation = Scope(user_id=None, everything=True)
    from diemcau.assessment.completion.services import rollup

    assert rollup(nation, conf_id, None)["completed"] == 2
    rule = conference_settings.settings_for(conf_id)
    rule.min_report_score = None  # the report no longer counts
    rule.save()
    assert CompletionSite.objects.filter(stale=False).count() == 0
    assert rollup(nation, conf_id, None)["completed"] == 3  # hoa too

    site = make_site(first_commune(HUE).code, code="HUE-B")
    make_delegate(site, "Vũ Văn Em")
    delegates_changed.send(None, site_ids=[site.pk])
    data = rollup(nation, conf_id, None)
    assert (data["delegates"], data["completed"]) == (6, 3)
    assert counted(expected(conf_id)["site"]["HUE-B"]) == figures(
        rollup(nation, conf_id, first_commune(HUE).code)["children"][1]
    )


def test_the_dashboard_drills_down_within_scope(w: dict[str, Any], web_as: Any) -> None:
    conf_id = w["conference"].pk
    page = web_as("province_organiser", HANOI).get(f"/assessment/completion/?conference={conf_id}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"?unit={HOAN_KIEM}&amp;conference={conf_id}" in html  # a commune one level down
    assert "export.xlsx?unit=01" in html
    assert "Up one level" not in html and "Lên một cấp" not in html  # the nation is not theirs
    other = web_as("province_organiser", HANOI).get(
        f"/assessment/completion/?conference={conf_id}&unit={HUE}"
    )
    assert other.status_code == 404
    central = web_as("central_organiser").get(
        f"/assessment/completion/?conference={conf_id}&unit={HOAN_KIEM}"
    )
    assert central.status_code == 200
    assert (
        central.content.decode().count('<td class="num">') == 2 * 8 + 3 * 4
    )  # 2 sites (7 figures and "Xem lại"), 3 levels


def test_statuses_and_scope_helpers_agree_with_the_counters(w: dict[str, Any]) -> None:
    """The full recount and the per-site recount give the same rows."""
    conf_id = w["conference"].pk
    whole = completion_counters.count(conf_id)
    some = completion_counters.count(conf_id, [w["hk"].pk, w["hue"].pk])
    assert some == {k: whole[k] for k in (w["hk"].pk, w["hue"].pk)}
