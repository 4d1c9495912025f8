"""The public knowledge base (/hoi-dap/): open to all, and never more than published answers."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from diemcau.conftest import HANOI
from diemcau.questions.tests.test_views import (
    CLINIC,
    PROCEDURE,
    SEAL,
    SEAL_BARE,
    STAFF,
    answer,
    ask,
    make_world,
    route,
)

pytestmark = pytest.mark.django_db
Make = Callable[..., Any]


def _listed(client: Client, **query: str) -> list[int]:
    response = client.get("/hoi-dap/", query)
    assert response.status_code == 200
    return [a.cluster_id for a in response.context["page"]]


def test_search_with_or_without_diacritics_and_browse_by_sector_and_level(
    make_site: Make,
) -> None:
    world = make_world(make_site)
    city = make_site(HANOI, name="Hội trường Thành ủy")  # a province-level site
    procedure = ask(world.hn, PROCEDURE)
    route(procedure, "van-phong-chinh-phu")
    answer(
        procedure, "Tại Trung tâm phục vụ hành chính công của xã.", ("Nghị định 118/2025/NĐ-CP",)
    )
    staff = ask(city, STAFF)
    route(staff, "noi-vu")
    answer(staff, "Theo Nghị định 154/2025/NĐ-CP về tinh giản biên chế.")
    client = Client()
    assert _listed(client) == [staff.cluster_id, procedure.cluster_id]  # newest first
    assert _listed(client, q="thu tuc") == [procedure.cluster_id]  # "thu tuc" finds "Thủ tục"
    assert _listed(client, q="thủ tục") == [procedure.cluster_id]
    assert _listed(client, q="TINH GIAN bien che") == [staff.cluster_id]  # the answer's words too
    assert _listed(client, q="118/2025") == [procedure.cluster_id]  # and its legal references
    assert _listed(client, sector="noi-vu") == [staff.cluster_id]
    assert _listed(client, level="province") == [staff.cluster_id]
    assert _listed(client, level="commune") == [procedure.cluster_id]
    assert _listed(client, level="bogus") == _listed(client)
    detail = client.get(f"/hoi-dap/{procedure.cluster_id}/")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert PROCEDURE in page and "Trung tâm phục vụ hành chính công" in page
    assert "Nghị định 118/2025/NĐ-CP" in page


def test_counts_every_site_asking_a_published_answer(make_site: Make) -> None:
    world = make_world(make_site)
    seal = [
        ask(world.hn, SEAL),
        ask(world.hn2, SEAL_BARE),
        ask(world.hue, SEAL),
        ask(world.hn, SEAL),
    ]
    assert len({q.cluster_id for q in seal}) == 1
    route(seal[0], "van-phong-chinh-phu")
    answer(seal[0], "Công an tỉnh cấp con dấu.")
    client = Client()
    assert [a.n_sites for a in client.get("/hoi-dap/").context["page"]] == [3]
    assert client.get(f"/hoi-dap/{seal[0].cluster_id}/").context["answer"].n_sites == 3


def test_never_shows_unpublished_text_askers_or_site_details(
    make_site: Make, web_as: Callable[..., Client]
) -> None:
    world = make_world(make_site)
    public = ask(world.hn, SEAL, asker_name="Nguyễn Văn Bí Mật")
    ask(world.hn2, SEAL_BARE, asker_name="Trần Thị Riêng Tư")
    route(public, "van-phong-chinh-phu")
    answer(public, "Công an tỉnh cấp con dấu.")
    draft = ask(world.hue, CLINIC)
    route(draft, "y-te")
    answer(draft, "BẢN NHÁP CHƯA DUYỆT về trạm y tế", ("Thông tư nháp 01",), publish=False)
    unanswered = ask(world.hue, STAFF)
    for client in (Client(), web_as("central_organiser")):
        pages = [
            client.get("/hoi-dap/").content.decode(),
            client.get("/hoi-dap/", {"q": "tram y te"}).content.decode(),
            client.get(f"/hoi-dap/{public.cluster_id}/").content.decode(),
        ]
        for page in pages:
            for secret in (
                "BẢN NHÁP",
                "Thông tư nháp",
                CLINIC,
                STAFF,
                "Nguyễn Văn Bí Mật",
                "Trần Thị Riêng Tư",
                world.hn.name,
                world.hn.code,
                world.hn2.code,
                "0912 000 111",
            ):
                assert secret not in page, secret
        assert "Công an tỉnh cấp con dấu." in pages[2]
        assert client.get(f"/hoi-dap/{draft.cluster_id}/").status_code == 404
        assert client.get(f"/hoi-dap/{unanswered.cluster_id}/").status_code == 404
        assert client.get("/hoi-dap/999999/").status_code == 404
