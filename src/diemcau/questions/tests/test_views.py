"""Question pages as sites, moderators and answerers use them; helpers shared with test_views_*."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from diemcau.accounts.scopes import Scope
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.programme.models import Conference, Day, Session
from diemcau.questions import services, views
from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus, Sector
from diemcau.sites.models import Site
from diemcau.web.tests.catalogues import compiled_catalogues

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_catalogues")]
__all__ = ["compiled_catalogues"]
Make = Callable[..., Any]
WebAs = Callable[..., Client]

CENTRAL = Scope(user_id=None, everything=True)
SEAL = "Con dấu của xã mới sau sáp nhập được khắc ở đâu và khi nào được sử dụng?"
SEAL_BARE = "con dau cua xa moi sau sap nhap khac o dau, khi nao duoc dung?"
CLINIC = "Trạm y tế các xã cũ sau sáp nhập được tổ chức lại thế nào?"
STAFF = "Cán bộ cấp xã dôi dư sau sắp xếp được hưởng chính sách gì?"
PROCEDURE = "Thủ tục hành chính ở xã mới được giải quyết tại đâu sau sắp xếp?"


@dataclass
class World:
    hn: Site
    hn2: Site
    hue: Site
    session: Session


def make_session() -> Session:
    conference = Conference.objects.create(
        slug="hn-2025",
        name="Hội nghị toàn quốc",
        host="Ban tổ chức",
        starts_on=datetime.date(2025, 6, 14),
        ends_on=datetime.date(2025, 6, 15),
    )
    day = Day.objects.create(conference=conference, date=datetime.date(2025, 6, 14))
    return Session.objects.create(
        day=day, title="Phiên sáng", starts_at=datetime.time(8), ends_at=datetime.time(11)
    )


def make_world(make_site: Callable[..., Site]) -> World:
    return World(
        hn=make_site(HOAN_KIEM, name="Hội trường Hoàn Kiếm", contact_phone="0912 000 111"),
        hn2=make_site(HOAN_KIEM, name="Nhà văn hóa phường"),
        hue=make_site(first_commune(HUE).code, name="Hội trường Huế"),
        session=make_session(),
    )


def ask(site: Site, text: str, **extra: Any) -> Question:
    return services.create_question(CENTRAL, None, site=site.code, text=text, **extra)


def route(question: Question, sector: str) -> None:
    assert question.cluster_id is not None
    services.route_cluster(CENTRAL, None, question.cluster_id, sector)


def answer(question: Question, text: str, refs: tuple[str, ...] = (), publish: bool = True) -> None:
    assert question.cluster_id is not None
    services.answer_cluster(CENTRAL, None, question.cluster_id, text, refs)
    if publish:
        services.publish_answer(CENTRAL, question.cluster_id)


# -- the tests ---------------------------------------------------------------------------------
def test_site_operator_sees_own_questions_and_only_published_answers(
    make_site: Make, web_as: WebAs
) -> None:
    world = make_world(make_site)
    mine = ask(world.hn, SEAL, asker_name="Nguyễn Văn A")
    draft = ask(world.hn, STAFF)
    theirs = ask(world.hue, CLINIC)
    route(mine, "van-phong-chinh-phu")
    answer(mine, "Công an tỉnh khắc dấu theo quyết định thành lập.", ("Nghị định 99/2016/NĐ-CP",))
    route(draft, "noi-vu")
    answer(draft, "BẢN NHÁP chưa công bố", publish=False)
    client = web_as("site_operator", world.hn.code)
    response = client.get("/questions/")
    assert response.status_code == 200
    listed = {q.pk: q.status for q in response.context["page"]}
    assert listed == {mine.pk: QuestionStatus.PUBLISHED, draft.pk: QuestionStatus.ANSWERED}
    page = response.content.decode()
    assert "Công an tỉnh khắc dấu" in page and "Nghị định 99/2016/NĐ-CP" in page
    assert "BẢN NHÁP" not in page
    assert CLINIC not in page and theirs.pk not in listed
    # the ask form offers only the operator's own sites
    choices = [code for code, _label in response.context["form"].fields["site"].choices]
    assert choices == [world.hn.code]
    searched = client.get("/questions/", {"q": "con dau"})
    assert [q.pk for q in searched.context["page"]] == [mine.pk]


def test_site_operator_sends_a_question_for_own_site_only(make_site: Make, web_as: WebAs) -> None:
    world = make_world(make_site)
    client = web_as("site_operator", world.hn.code)
    sent = client.post(
        "/questions/ask/", {"site": world.hn.code, "text": SEAL, "session": world.session.pk}
    )
    assert sent.status_code == 302 and sent["Location"] == "/questions/"
    question = Question.objects.get()
    assert (question.site, question.session, question.asker_name) == (world.hn, world.session, "")
    assert question.cluster is not None and question.status == QuestionStatus.NEW
    # another site is not among the choices: the form refuses it, nothing is written
    other = client.post("/questions/ask/", {"site": world.hue.code, "text": CLINIC})
    assert other.status_code == 422 and "site" in other.context["form"].errors
    empty = client.post("/questions/ask/", {"site": world.hn.code, "text": "   "})
    assert empty.status_code == 422 and "text" in empty.context["form"].errors
    assert Question.objects.count() == 1
    assert web_as("viewer").post("/questions/ask/", {"site": world.hn.code}).status_code == 403


def test_organiser_with_many_sites_types_the_site_code(
    make_site: Make, web_as: WebAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(make_site)
    monkeypatch.setattr(views, "SITE_CHOICES_LIMIT", 0)  # as if they had thousands of sites
    central = web_as("central_organiser")
    field = central.get("/questions/").context["form"].fields["site"]
    assert isinstance(field, forms.CharField)  # the code is typed, not chosen from a list
    sent = central.post("/questions/ask/", {"site": world.hue.code, "text": CLINIC})
    assert sent.status_code == 302
    organiser = web_as("province_organiser", HUE)
    refused = organiser.post("/questions/ask/", {"site": world.hn.code, "text": STAFF})
    assert refused.status_code == 403  # a typed code outside the organiser's sites
    unknown = organiser.post("/questions/ask/", {"site": "KHONG-CO", "text": STAFF})
    assert unknown.status_code == 404
    assert Question.objects.filter(site=world.hn).count() == 0
    assert Question.objects.filter(site=world.hue).count() == 1


def test_moderator_page_ranks_clusters_and_filters(make_site: Make, web_as: WebAs) -> None:
    world = make_world(make_site)
    seal = [
        ask(site, text)
        for site, text in ((world.hn, SEAL), (world.hn2, SEAL_BARE), (world.hue, SEAL))
    ]
    clinic = ask(world.hn, CLINIC, session=world.session.pk)
    assert len({q.cluster_id for q in seal}) == 1
    route(clinic, "y-te")
    client = web_as("central_organiser")
    response = client.get("/questions/moderate/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [c.pk for c, _qs in rows] == [seal[0].cluster_id, clinic.cluster_id]
    assert (rows[0][0].n_sites, len(rows[0][1])) == (3, 3)
    assert rows[0][0].proposed_sector.code == "van-phong-chinh-phu"
    page = response.content.decode()
    assert "Văn phòng Chính phủ" in page and "%" in page  # proposal with its confidence
    assert "Điều phối câu hỏi" in page and "Xác nhận lĩnh vực" in page  # in Vietnamese

    def ids(**query: Any) -> list[int]:
        return [c.pk for c, _qs in client.get("/questions/moderate/", query).context["rows"]]

    assert ids(status="routed") == [clinic.cluster_id]
    assert ids(status="new") == [seal[0].cluster_id]
    assert ids(sector="y-te") == [clinic.cluster_id]
    assert ids(session=world.session.pk) == [clinic.cluster_id]
    live = client.get("/questions/moderate/", {"session": world.session.pk}).content.decode()
    assert f"/questions/live/{world.session.pk}/" in live
    assert ids(q="tram y te") == ids(q="trạm y tế") == [clinic.cluster_id]
    assert ids(status="nonsense") == ids()  # a stale filter is dropped, not an error page
    hue = web_as("province_organiser", HUE).get("/questions/moderate/")
    assert [(c.pk, len(qs)) for c, qs in hue.context["rows"]] == [(seal[0].cluster_id, 1)]
    # Hà Nội asked it too: Huế's organiser may not route it, so no route form is offered
    assert hue.context["locked"] == {seal[0].cluster_id}
    assert f"/questions/clusters/{seal[0].cluster_id}/route/" not in hue.content.decode()
    assert response.context["locked"] == set()


def test_moderator_routes_merges_splits_and_rejects(make_site: Make, web_as: WebAs) -> None:
    world = make_world(make_site)
    seal, clinic = ask(world.hn, SEAL), ask(world.hn2, CLINIC)
    client = web_as("province_organiser", HANOI)
    cid, other = seal.cluster_id, clinic.cluster_id
    moved = client.post(
        f"/questions/clusters/{cid}/route/", {"sector": "cong-an", "next": "/questions/moderate/"}
    )
    assert moved.status_code == 302 and moved["Location"] == "/questions/moderate/"
    cluster = Cluster.objects.get(pk=cid)
    assert cluster.sector is not None and cluster.sector.code == "cong-an" and cluster.routed_at
    assert Question.objects.get(pk=seal.pk).status == QuestionStatus.ROUTED
    # an off-site `next` is ignored
    away = client.post(
        f"/questions/clusters/{cid}/route/", {"sector": "noi-vu", "next": "https://evil.example/"}
    )
    assert away["Location"] == f"/questions/clusters/{cid}/"
    bad = client.post(f"/questions/clusters/{cid}/route/", {"sector": "khong-co"}, follow=True)
    assert Cluster.objects.get(pk=cid).sector.code == "noi-vu"  # type: ignore[union-attr]
    assert list(bad.context["messages"])  # the unknown sector is reported
    detail = client.get(f"/questions/clusters/{cid}/")
    assert detail.status_code == 200 and detail.context["can_moderate"]
    assert client.post(f"/questions/clusters/{cid}/merge/", {"other": other}).status_code == 302
    assert set(Question.objects.values_list("cluster_id", flat=True)) == {cid}
    assert not Cluster.objects.filter(pk=other).exists()
    split = client.post(f"/questions/clusters/{cid}/split/", {"questions": [clinic.pk]})
    assert split.status_code == 302
    clinic.refresh_from_db()
    assert clinic.cluster_id not in (cid, other) and clinic.status == QuestionStatus.NEW
    no_reason = client.post(f"/questions/{clinic.pk}/reject/", {"reason": " "})
    assert no_reason.status_code == 302
    assert Question.objects.get(pk=clinic.pk).status == QuestionStatus.NEW
    rejected = client.post(
        f"/questions/{clinic.pk}/reject/", {"reason": "Không thuộc nội dung hội nghị"}
    )
    assert rejected["Location"] == "/questions/moderate/"  # its cluster is empty now
    clinic.refresh_from_db()
    assert clinic.status == QuestionStatus.REJECTED
    operator = web_as("site_operator", world.hn2.code).get("/questions/").content.decode()
    assert "Không thuộc nội dung hội nghị" in operator


def test_sector_answerer_answers_once_and_every_asking_site_gets_it(
    make_site: Make, web_as: WebAs
) -> None:
    world = make_world(make_site)
    seal = [ask(world.hn, SEAL), ask(world.hn2, SEAL_BARE), ask(world.hue, SEAL)]
    staff = ask(world.hn, STAFF)
    route(seal[0], "van-phong-chinh-phu")
    route(staff, "noi-vu")
    client = web_as("sector_answerer", "van-phong-chinh-phu")
    queue = client.get("/questions/answer/")
    assert [c.pk for c, _qs in queue.context["rows"]] == [seal[0].cluster_id]
    cid = seal[0].cluster_id
    assert client.get(f"/questions/clusters/{staff.cluster_id}/answer/").status_code == 404
    refs = "Nghị định 99/2016/NĐ-CP\n\n Luật Tổ chức chính quyền địa phương 2025 \n"
    saved = client.post(
        f"/questions/clusters/{cid}/answer/",
        {"text": "Công an tỉnh cấp con dấu.", "legal_references": refs, "save": ""},
    )
    assert saved.status_code == 302
    stored = Answer.objects.get(cluster_id=cid)
    assert stored.legal_references == [
        "Nghị định 99/2016/NĐ-CP",
        "Luật Tổ chức chính quyền địa phương 2025",
    ]
    assert stored.published_at is None
    assert {q.status for q in Question.objects.filter(cluster_id=cid)} == {QuestionStatus.ANSWERED}
    shown = client.get(f"/questions/clusters/{cid}/answer/")
    assert len(shown.context["questions"]) == 3  # the answer reaches every asking site: shown
    assert "Nghị định 99/2016/NĐ-CP" in shown.content.decode()
    assert client.get("/questions/answer/").context["rows"] == []
    assert [
        c.pk for c, _ in client.get("/questions/answer/", {"status": "answered"}).context["rows"]
    ] == [cid]
    assert client.get("/hoi-dap/").context["page"].paginator.count == 0
    empty = client.post(f"/questions/clusters/{cid}/answer/", {"text": "", "publish": ""})
    assert empty.status_code == 422
    published = client.post(
        f"/questions/clusters/{cid}/answer/",
        {"text": "Công an tỉnh cấp con dấu.", "legal_references": refs, "publish": ""},
    )
    assert published.status_code == 302
    assert {q.status for q in Question.objects.filter(cluster_id=cid)} == {QuestionStatus.PUBLISHED}
    hue_page = web_as("site_operator", world.hue.code).get("/questions/").content.decode()
    assert "Công an tỉnh cấp con dấu." in hue_page
    assert client.get("/hoi-dap/").context["page"].paginator.count == 1


def test_live_page_lists_top_clusters_of_the_session(make_site: Make, web_as: WebAs) -> None:
    world = make_world(make_site)
    s = world.session.pk
    for site in (world.hn, world.hn2, world.hue):
        ask(site, SEAL, session=s)
    ask(world.hn, CLINIC, session=s)
    ask(world.hn2, CLINIC, session=s)
    ask(world.hue, STAFF)  # another session (none): not listed
    client = web_as("central_organiser")
    page = client.get(f"/questions/live/{s}/")
    assert page.status_code == 200
    assert [(c.title, c.n_sites) for c in page.context["clusters"]] == [(SEAL, 3), (CLINIC, 2)]
    assert f"/questions/live/{s}/top/" in page.content.decode()  # the page refreshes this part
    top = client.get(f"/questions/live/{s}/top/")
    assert top.status_code == 200 and "<html" not in top.content.decode()
    assert top.content.decode().index("Con dấu") < top.content.decode().index("Trạm y tế")
    assert client.get("/questions/live/999999/").status_code == 404
    hue = web_as("province_organiser", HUE).get(f"/questions/live/{s}/top/")
    # Huế's organiser sees only clusters Huế asked (counted nationwide), not Hà Nội's alone
    assert [c.title for c in hue.context["clusters"]] == [SEAL]


def test_central_organiser_edits_the_sector_list(make_site: Make, web_as: WebAs) -> None:
    client = web_as("central_organiser")
    assert client.get("/questions/sectors/").status_code == 200
    added = client.post(
        "/questions/sectors/",
        {"code": "ngoai-giao", "name": "Ngoại giao", "keywords": "hộ chiếu lãnh sự"},
    )
    assert added.status_code == 302
    assert Sector.objects.get(code="ngoai-giao").is_active
    duplicate = client.post("/questions/sectors/", {"code": "ngoai-giao", "name": "Khác"})
    assert duplicate.status_code == 422 and "code" in duplicate.context["form"].errors
    bad_code = client.post("/questions/sectors/", {"code": "Ngoại giao", "name": "Khác"})
    assert bad_code.status_code == 422
    renamed = client.post(
        "/questions/sectors/ngoai-giao/",
        {"name": "Bộ Ngoại giao", "keywords": "hộ chiếu", "order": "3"},
    )
    assert renamed.status_code == 302
    sector = Sector.objects.get(code="ngoai-giao")
    assert (sector.name, sector.keywords, sector.order) == ("Bộ Ngoại giao", "hộ chiếu", 3)
    assert client.post("/questions/sectors/ngoai-giao/active/", {"active": "0"}).status_code == 302
    assert not Sector.objects.get(code="ngoai-giao").is_active
    world = make_world(make_site)
    question = ask(world.hn, SEAL)
    # a deactivated sector is no longer offered and cannot be routed to
    moderate = client.get("/questions/moderate/")
    assert "ngoai-giao" not in {s.code for s in moderate.context["sectors"]}
    client.post(f"/questions/clusters/{question.cluster_id}/route/", {"sector": "ngoai-giao"})
    assert Cluster.objects.get(pk=question.cluster_id).sector is None
    assert client.get("/questions/sectors/khong-co/").status_code == 404


@pytest.mark.parametrize("url", ["/questions/moderate/", "/questions/answer/", "/hoi-dap/"])
def test_list_pages_cost_the_same_queries_for_one_cluster_or_three(
    make_site: Make, web_as: WebAs, url: str
) -> None:
    world = make_world(make_site)
    client = web_as("central_organiser")
    counts = []
    for site, text in ((world.hn, SEAL), (world.hn2, CLINIC), (world.hue, PROCEDURE)):
        question = ask(site, text)
        ask(world.hn, text)  # asked twice: one cluster still
        route(question, "noi-vu")
        answer(question, "Trả lời.", ("Luật 72/2025/QH15",))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"status": "published"})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[2]
