"""The frame of the web UI: login, language, menus, start page, unit pages, error pages."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from diemcau.conftest import HANOI, HOAN_KIEM, HUE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/sites/", "/sites/new/", "/units/", "/units/01/"])
def test_pages_require_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_login_page_is_vietnamese_and_logs_in(
    client: Client, make_user: Callable[..., Any]
) -> None:
    page = client.get("/login/").content.decode()
    assert "Đăng nhập" in page
    assert "diemcau – Điểm cầu" in page
    user = make_user("central_organiser")
    response = client.post("/login/", {"username": user.username, "password": "mat-khau-123"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wrong_password_message_is_vietnamese(
    client: Client, make_user: Callable[..., Any]
) -> None:
    user = make_user("central_organiser")
    response = client.post("/login/", {"username": user.username, "password": "sai"})
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()
    assert "mật khẩu" in response.content.decode().lower()


def test_logout_is_a_post(web_as: Callable[..., Client]) -> None:
    client = web_as("central_organiser")
    page = client.get("/").content.decode()
    assert 'action="/logout/"' in page
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_ui_is_vietnamese_by_default_and_english_after_switching(
    web_as: Callable[..., Client],
) -> None:
    client = web_as("province_organiser", HANOI)
    page = client.get("/sites/").content.decode()
    assert 'lang="vi"' in page
    assert "Điểm cầu" in page
    assert "Tổ chức cấp tỉnh" in page or "Ban tổ chức cấp tỉnh" in page
    assert "Thành phố Hà Nội" in page
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/sites/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/sites/"
    page = client.get("/sites/").content.decode()
    assert 'lang="en"' in page
    assert "Province organiser" in page
    assert "All statuses" in page
    assert "Tất cả trạng thái" not in page
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert "Tất cả trạng thái" in client.get("/sites/").content.decode()


def test_menu_follows_the_scope(web_as: Callable[..., Client], make_site: Any) -> None:
    organiser = web_as("province_organiser", HANOI).get("/").content.decode()
    assert 'href="/sites/new/"' in organiser
    assert 'href="/sites/import/"' in organiser
    site = make_site(HOAN_KIEM)
    operator = web_as("site_operator", site.code).get("/sites/").content.decode()
    assert 'href="/sites/"' in operator
    assert 'href="/sites/new/"' not in operator
    assert 'href="/sites/import/"' not in operator
    assert 'href="/admin/"' not in operator


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("central_organiser", None),
        ("province_organiser", HANOI),
        ("viewer", HANOI),
        ("site_operator", "SITE"),
        ("sector_answerer", "noi-vu"),
    ],
)
def test_menu_offers_the_exports_page_to_whoever_may_open_it(
    web_as: Callable[..., Client], make_site: Any, role: str, scope: str | None
) -> None:
    if scope == "SITE":
        scope = make_site(HOAN_KIEM).code
    client = web_as(role, scope)
    menu = client.get("/units/").content.decode()
    opens = client.get("/exports/").status_code
    assert opens in (200, 403)
    assert ('href="/exports/"' in menu) == (opens == 200), (role, opens)
    if role != "sector_answerer":
        assert opens == 200  # everyone who reads sites exports their lists


def test_operators_find_their_delegates_link_sheets(
    web_as: Callable[..., Client], make_site: Any
) -> None:
    """The sheets page (/assessment/links/) is reached from the menu of an operator (whom the
    start page sends to the console) and from the console's list of sites."""
    mine, other = make_site(HOAN_KIEM), make_site(HOAN_KIEM)
    link = 'href="/assessment/links/"'
    operator = web_as("site_operator", mine.code)
    console = operator.get("/", follow=True)
    assert console.redirect_chain[-1][0] == f"/console/{mine.code}/"
    assert link in console.content.decode()
    assert "In đường dẫn cá nhân của đại biểu" in console.content.decode()
    sheets = operator.get("/assessment/links/")
    assert sheets.status_code == 200
    assert [s.code for s in sheets.context["own_sites"]] == [mine.code]
    assert operator.get("/assessment/links/sheet.xlsx", {"site": other.code}).status_code == 404

    two = web_as("site_operator", f"{mine.code},{other.code}")
    index = two.get("/console/").content.decode()
    assert index.count(link) == 2  # the menu and the console's list of sites
    assert "tờ mã QR cho các điểm cầu của bạn" in index

    for role, scope in (("viewer", HANOI), ("sector_answerer", "noi-vu")):
        assert link not in web_as(role, scope).get("/units/").content.decode()


@pytest.mark.parametrize("query", ["hoan kiem", "Hoàn Kiếm", "HOAN  KIEM", "phuong hoan kiem"])
def test_unit_search_with_and_without_diacritics(web_as: Callable[..., Client], query: str) -> None:
    response = web_as("province_organiser", HANOI).get("/units/", {"q": query})
    assert response.status_code == 200
    names = [u.name for u in response.context["page"]]
    assert "Phường Hoàn Kiếm" in names
    assert "Phường Hoàn Kiếm" in response.content.decode()


def test_unit_list_filters_by_level_and_paginates(web_as: Callable[..., Client]) -> None:
    client = web_as("central_organiser")
    provinces = client.get("/units/", {"level": "province"}).context["page"]
    assert {u.level for u in provinces} == {"province"}
    page = client.get("/units/", {"level": "commune"}).context["page"]
    assert len(page.object_list) == 50
    assert page.paginator.count > 3000
    second = client.get("/units/", {"level": "commune", "page": 2}).context["page"]
    assert second.number == 2
    assert {u.code for u in page}.isdisjoint({u.code for u in second})


def test_unit_detail_lists_children_and_counts_sites_in_scope(
    web_as: Callable[..., Client], make_site: Any
) -> None:
    make_site(HOAN_KIEM)
    make_site(HOAN_KIEM)
    make_site(HUE)
    hanoi = web_as("province_organiser", HANOI)
    response = hanoi.get(f"/units/{HANOI}/")
    assert response.status_code == 200
    assert response.context["site_count"] == 2
    assert "Phường Hoàn Kiếm" in response.content.decode()
    assert hanoi.get(f"/units/{HUE}/").context["site_count"] == 0  # Huế's sites stay hidden
    assert web_as("central_organiser").get(f"/units/{HUE}/").context["site_count"] == 1
    assert hanoi.get(f"/units/{HOAN_KIEM}/").context["site_count"] == 2


def test_unknown_unit_is_a_vietnamese_404(web_as: Callable[..., Client]) -> None:
    response = web_as("central_organiser").get("/units/99999/")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


def test_stylesheet_is_served(web_as: Callable[..., Client]) -> None:
    client = web_as("central_organiser")
    assert "/static/diemcau/diemcau.css" in client.get("/").content.decode()
    css = client.get("/static/diemcau/diemcau.css")
    assert css.status_code == 200
    assert b"".join(css.streaming_content).startswith(b"/* diemcau")  # type: ignore[attr-defined]


def test_server_error_page_is_vietnamese(client: Client) -> None:
    from django.views.defaults import server_error

    response = server_error(client.get("/login/").wsgi_request)
    assert response.status_code == 500
    assert "Lỗi máy chủ" in response.content.decode()
