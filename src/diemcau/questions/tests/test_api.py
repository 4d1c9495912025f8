"""Questions through the API, as sites, moderators and sector answerers use them."""

import datetime
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.programme.models import Conference, Day, Session, Topic
from diemcau.questions import engine
from diemcau.questions.tests.helpers import URL, ask, post, put

pytestmark = pytest.mark.django_db

SEAL = "Con dấu của xã mới sau sáp nhập được khắc ở đâu và khi nào được sử dụng?"
SEAL_BARE = "con dau cua xa moi sau sap nhap khac o dau, khi nao duoc dung?"
CLINIC = "Trạm y tế các xã cũ sau sáp nhập được tổ chức lại thế nào?"
STAFF = "Cán bộ cấp xã dôi dư sau sắp xếp được hưởng chính sách gì?"
# Phrased so that even the issue-18 engine leaves it to a moderator (it suggests it first).
STAFF_OTHER = "Cán bộ thừa ra được giải quyết thế nào?"

Make = Callable[..., Any]


def _hue_commune() -> str:
    return first_commune(HUE).code


def test_paraphrases_share_a_cluster_and_the_answer_reaches_every_site(
    make_site: Make, api_as: Make
) -> None:
    hn1, hn2, hue = make_site(HOAN_KIEM), make_site(HOAN_KIEM), make_site(_hue_commune())
    op1, op2, op3 = (api_as("site_operator", s.code) for s in (hn1, hn2, hue))
    first = ask(op1, hn1.code, SEAL, asker_name="Nguyễn Văn A")
    second = ask(op2, hn2.code, SEAL_BARE)
    third = ask(op3, hue.code, unicodedata.normalize("NFD", SEAL.upper()))
    other = ask(op1, hn1.code, CLINIC)
    assert first["cluster"] == second["cluster"] == third["cluster"] != other["cluster"]
    assert second["similarity"] >= 0.45
    assert first["status"] == "new" and first["answer"] is None

    central = api_as("central_organiser")
    clusters = central.get(f"{URL}/clusters").json()
    assert clusters[0]["id"] == first["cluster"]
    assert (clusters[0]["n_sites"], clusters[0]["n_questions"]) == (3, 3)
    assert clusters[0]["proposed_sector"] == "van-phong-chinh-phu"
    assert 0 < clusters[0]["confidence"] <= 1

    cid = first["cluster"]
    assert (
        post(central, f"/clusters/{cid}/route", {"sector": "van-phong-chinh-phu"}).status_code
        == 200
    )
    answerer = api_as("sector_answerer", "van-phong-chinh-phu")
    response = put(
        answerer,
        f"/clusters/{cid}/answer",
        {
            "text": "Công an tỉnh cấp con dấu theo quyết định thành lập xã.",
            "legal_references": ["Nghị định 99/2016/NĐ-CP"],
        },
    )
    assert response.status_code == 200, response.content
    for client, question in ((op1, first), (op2, second), (op3, third)):
        seen = client.get(f"{URL}/{question['id']}").json()
        assert (seen["status"], seen["answer"]) == ("answered", None)  # a draft stays with them
    assert post(answerer, f"/clusters/{cid}/publish").status_code == 200
    for client, question in ((op1, first), (op2, second), (op3, third)):
        seen = client.get(f"{URL}/{question['id']}").json()
        assert seen["status"] == "published"
        assert seen["answer"]["text"].startswith("Công an tỉnh cấp con dấu")
        assert seen["answer"]["legal_references"] == ["Nghị định 99/2016/NĐ-CP"]
    assert op1.get(f"{URL}/{other['id']}").json()["answer"] is None
    # A later paraphrase joins the answered cluster and gets the answer at once.
    late = ask(op2, hn2.code, "Xa moi sau sap nhap khac con dau o dau va khi nao duoc su dung")
    assert late["cluster"] == cid
    assert late["status"] == "published" and late["answer"]["sector"] == "van-phong-chinh-phu"


def test_moderator_merges_a_suggested_duplicate_and_splits_it_again(
    make_site: Make, api_as: Make
) -> None:
    a, b = make_site(HOAN_KIEM), make_site(HOAN_KIEM)
    op_a, op_b = api_as("site_operator", a.code), api_as("site_operator", b.code)
    one = ask(op_a, a.code, STAFF)
    two = ask(op_b, b.code, STAFF_OTHER)
    ask(op_b, b.code, CLINIC)
    assert one["cluster"] != two["cluster"]  # too different to join without a moderator

    organiser = api_as("province_organiser", HANOI)
    suggested = organiser.get(f"{URL}/clusters/{one['cluster']}/suggestions").json()
    assert suggested[0]["cluster"]["id"] == two["cluster"]
    assert suggested[0]["score"] > 0

    merged = post(organiser, f"/clusters/{one['cluster']}/merge", {"other": two["cluster"]})
    assert merged.status_code == 200, merged.content
    assert merged.json()["n_sites"] == 2
    assert op_b.get(f"{URL}/{two['id']}").json()["cluster"] == one["cluster"]
    assert organiser.get(f"{URL}/clusters/{two['cluster']}").status_code == 404

    post(organiser, f"/clusters/{one['cluster']}/route", {"sector": "noi-vu"})
    put(api_as("sector_answerer", "noi-vu"), f"/clusters/{one['cluster']}/answer", {"text": "Có."})
    split = post(organiser, f"/clusters/{one['cluster']}/split", {"questions": [two["id"]]})
    assert split.status_code == 201, split.content
    new = split.json()
    assert new["id"] != one["cluster"] and new["n_questions"] == 1 and new["sector"] is None
    moved = op_b.get(f"{URL}/{two['id']}").json()
    assert (moved["cluster"], moved["status"], moved["answer"]) == (new["id"], "new", None)
    assert op_a.get(f"{URL}/{one['id']}").json()["status"] == "answered"
    every = post(organiser, f"/clusters/{one['cluster']}/split", {"questions": [one["id"]]})
    assert every.status_code == 422


def test_routing_proposes_with_confidence_and_learns_from_confirmations(
    make_site: Make, api_as: Make
) -> None:
    site = make_site(HOAN_KIEM)
    operator, central = api_as("site_operator", site.code), api_as("central_organiser")
    probe = "Ai quản lý bến đò ngang trên địa bàn xã?"
    before = engine.sector_model().propose(probe)
    assert before is not None and before[0] != "xay-dung"
    for text in (
        "Bến đò ngang qua sông nay do cơ quan nào cấp phép hoạt động?",
        "ben do ngang cho khach qua song co phai dang ky voi xa khong",
    ):
        asked = ask(operator, site.code, text)
        assert asked["cluster"] is not None
        cluster = central.get(f"{URL}/clusters/{asked['cluster']}").json()
        assert cluster["proposed_sector"] and 0 < cluster["confidence"] <= 1
        response = post(central, f"/clusters/{asked['cluster']}/route", {"sector": "xay-dung"})
        assert response.json()["sector"] == "xay-dung"
    after = engine.sector_model().propose(probe)
    assert after is not None and after[0] == "xay-dung"
    assert (
        post(central, f"/clusters/{asked['cluster']}/route", {"sector": "khong-co"}).status_code
        == 422
    )


def test_sector_answerer_sees_only_their_sector_queue(make_site: Make, api_as: Make) -> None:
    site = make_site(HOAN_KIEM)
    operator, central = api_as("site_operator", site.code), api_as("central_organiser")
    staff, clinic, seal = (ask(operator, site.code, t) for t in (STAFF, CLINIC, SEAL))
    post(central, f"/clusters/{staff['cluster']}/route", {"sector": "noi-vu"})
    post(central, f"/clusters/{clinic['cluster']}/route", {"sector": "y-te"})
    answerer = api_as("sector_answerer", "noi-vu")

    assert [c["id"] for c in answerer.get(f"{URL}/queue").json()] == [staff["cluster"]]
    listed = answerer.get(f"{URL}/").json()
    assert [q["id"] for q in listed["items"]] == [staff["id"]]
    assert answerer.get(f"{URL}/{staff['id']}").status_code == 200
    for question in (clinic, seal):  # another sector's, and not yet routed
        assert answerer.get(f"{URL}/{question['id']}").status_code == 404
        assert answerer.get(f"{URL}/clusters/{question['cluster']}").status_code == 404
        cluster_url = f"/clusters/{question['cluster']}/answer"
        assert put(answerer, cluster_url, {"text": "x"}).status_code == 404
    assert (
        post(answerer, f"/clusters/{staff['cluster']}/route", {"sector": "y-te"}).status_code == 403
    )
    assert (
        put(
            answerer, f"/clusters/{staff['cluster']}/answer", {"text": "Có chính sách."}
        ).status_code
        == 200
    )
    assert answerer.get(f"{URL}/queue").json() == []
    # Only the routed sector answers, even for a reader of the question.
    other = api_as("sector_answerer", "y-te")
    assert put(other, f"/clusters/{clinic['cluster']}/answer", {"text": "Có."}).status_code == 200
    reader = api_as("viewer")
    assert put(reader, f"/clusters/{clinic['cluster']}/answer", {"text": "x"}).status_code == 403


def test_province_organiser_keeps_to_their_province(make_site: Make, api_as: Make) -> None:
    hn, hue = make_site(HOAN_KIEM), make_site(_hue_commune())
    hn_q = ask(api_as("site_operator", hn.code), hn.code, CLINIC)
    hue_q = ask(api_as("site_operator", hue.code), hue.code, SEAL)
    shared = ask(api_as("site_operator", hue.code), hue.code, CLINIC)
    assert shared["cluster"] == hn_q["cluster"]

    organiser = api_as("province_organiser", HANOI)
    ids = [q["id"] for q in organiser.get(f"{URL}/").json()["items"]]
    assert ids == [hn_q["id"]]
    assert organiser.get(f"{URL}/{hue_q['id']}").status_code == 404
    assert organiser.get(f"{URL}/clusters/{hue_q['cluster']}").status_code == 404
    assert post(organiser, f"/{hue_q['id']}/reject", {"reason": "Trùng"}).status_code == 404
    assert (
        post(organiser, f"/clusters/{hue_q['cluster']}/route", {"sector": "y-te"}).status_code
        == 404
    )
    # The cluster also holds a Huế question: routing it is not a Hà Nội decision.
    assert (
        post(organiser, f"/clusters/{hn_q['cluster']}/route", {"sector": "y-te"}).status_code == 403
    )
    detail = organiser.get(f"{URL}/clusters/{hn_q['cluster']}").json()
    assert [q["id"] for q in detail["questions"]] == [hn_q["id"]]
    assert detail["n_sites"] == 2
    rejected = post(organiser, f"/{hn_q['id']}/reject", {"reason": "Không thuộc chủ đề"})
    assert rejected.json()["status"] == "rejected"
    assert post(organiser, f"/{hn_q['id']}/reject", {"reason": " "}).status_code == 422


def test_site_operator_sees_only_their_own_sites_questions(make_site: Make, api_as: Make) -> None:
    mine, theirs = make_site(HOAN_KIEM), make_site(HOAN_KIEM)
    me, them = api_as("site_operator", mine.code), api_as("site_operator", theirs.code)
    my_q = ask(me, mine.code, SEAL)
    their_q = ask(them, theirs.code, SEAL_BARE)
    assert my_q["cluster"] == their_q["cluster"]
    assert [q["id"] for q in me.get(f"{URL}/").json()["items"]] == [my_q["id"]]
    assert me.get(f"{URL}/{their_q['id']}").status_code == 404
    assert [q["id"] for q in me.get(f"{URL}/clusters/{my_q['cluster']}").json()["questions"]] == [
        my_q["id"]
    ]
    refused = me.post(
        f"{URL}/", {"site": theirs.code, "text": SEAL}, content_type="application/json"
    )
    assert refused.status_code == 403
    empty = me.post(f"{URL}/", {"site": mine.code, "text": "  "}, content_type="application/json")
    assert empty.status_code == 422 and "text" in empty.json()["fields"]
    assert post(me, f"/{my_q['id']}/reject", {"reason": "x"}).status_code == 403
    assert post(me, f"/clusters/{my_q['cluster']}/route", {"sector": "noi-vu"}).status_code == 403


def test_knowledge_base_is_searchable_with_or_without_diacritics(
    make_site: Make, api_as: Make
) -> None:
    commune_site, province_site = make_site(HOAN_KIEM), make_site(HANOI)
    operator = api_as("site_operator", f"{commune_site.code},{province_site.code}")
    seal = ask(operator, commune_site.code, SEAL)
    clinic = ask(operator, province_site.code, CLINIC)
    central = api_as("central_organiser")
    for question, sector, text in (
        (seal, "van-phong-chinh-phu", "Xã dùng con dấu mới từ ngày được cấp."),
        (clinic, "y-te", "Trạm y tế xã cũ trở thành điểm trạm của trạm y tế xã mới."),
    ):
        post(central, f"/clusters/{question['cluster']}/route", {"sector": sector})
        put(central, f"/clusters/{question['cluster']}/answer", {"text": text})
    reader = api_as("viewer", HUE)
    assert reader.get(f"{URL}/knowledge").json() == []  # nothing published yet
    post(central, f"/clusters/{seal['cluster']}/publish")
    post(central, f"/clusters/{clinic['cluster']}/publish")

    def found(**query: str) -> list[int]:
        return [row["cluster"] for row in reader.get(f"{URL}/knowledge", query).json()]

    assert found(q="con dấu") == found(q="CON DAU") == [seal["cluster"]]
    assert found(q="diem tram") == [clinic["cluster"]]  # words of the answer count too
    assert found(q="khắc") == [seal["cluster"]]  # and words of the question
    assert found(sector="y-te") == [clinic["cluster"]]
    assert found(level="commune") == [seal["cluster"]]
    assert found(level="province") == [clinic["cluster"]]
    row = reader.get(f"{URL}/knowledge", {"q": "con dau"}).json()[0]
    assert row["question"] == SEAL and row["answer"]["sector"] == "van-phong-chinh-phu"
    assert api_as("viewer", HUE).get(f"{URL}/{seal['id']}").status_code == 404
    assert api_as("site_operator", commune_site.code).get(f"{URL}/sectors").json()[0] == {
        "code": "noi-vu",
        "name": "Nội vụ",
    }


def test_a_resent_question_is_kept_once_and_text_is_stored_in_nfc(
    make_site: Make, api_as: Make
) -> None:
    site = make_site(HOAN_KIEM)
    operator = api_as("site_operator", site.code)
    nfd = unicodedata.normalize("NFD", SEAL)
    first = ask(operator, site.code, nfd, client_id="console-7f3a")
    again = ask(operator, site.code, nfd, client_id="console-7f3a")
    assert again["id"] == first["id"]
    assert first["text"] == SEAL and first["asker_name"] == ""  # anonymous
    listed = operator.get(f"{URL}/", {"site": site.code}).json()
    assert listed["total"] == 1
    other = ask(operator, site.code, nfd, client_id="console-7f3b")
    assert other["id"] != first["id"] and other["cluster"] == first["cluster"]


def test_live_view_ranks_a_sessions_clusters_by_sites_asking(make_site: Make, api_as: Make) -> None:
    conference = Conference.objects.create(
        slug="hn-2025",
        name="Hội nghị toàn quốc",
        host="Ban tổ chức",
        starts_on=datetime.date(2025, 6, 14),
        ends_on=datetime.date(2025, 6, 15),
    )
    day = Day.objects.create(conference=conference, date=datetime.date(2025, 6, 14))
    morning, afternoon = (
        Session.objects.create(
            day=day, title=title, starts_at=datetime.time(h), ends_at=datetime.time(h + 3)
        )
        for title, h in (("Sáng", 8), ("Chiều", 14))
    )
    topic = Topic.objects.create(session=morning, number=1, title="Tổ chức bộ máy cấp xã")
    sites = [make_site(HOAN_KIEM) for _ in range(3)]
    operators = [api_as("site_operator", s.code) for s in sites]
    for site, client in zip(sites, operators, strict=True):
        ask(client, site.code, SEAL, topic=topic.pk)  # the session follows from the topic
    ask(operators[0], sites[0].code, CLINIC, session=morning.pk)
    ask(operators[1], sites[1].code, CLINIC, session=morning.pk)
    ask(operators[2], sites[2].code, STAFF, session=afternoon.pk)

    organiser = api_as("province_organiser", HANOI)
    live = organiser.get(f"{URL}/clusters", {"session": morning.pk}).json()
    assert [(c["title"], c["n_sites"]) for c in live] == [(SEAL, 3), (CLINIC, 2)]
    assert [
        c["title"] for c in organiser.get(f"{URL}/clusters", {"session": afternoon.pk}).json()
    ] == [STAFF]
    assert (
        api_as("province_organiser", HUE).get(f"{URL}/clusters", {"session": morning.pk}).json()
        == []
    )
    bad = operators[0].post(
        f"{URL}/",
        {"site": sites[0].code, "text": SEAL, "topic": 999999},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "topic" in bad.json()["fields"]
