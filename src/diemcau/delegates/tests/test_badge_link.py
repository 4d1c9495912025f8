"""The badge's address (/d/<code>.<mac>) and the public address every printed link starts with."""

from typing import Any

import pytest
from django.core import checks
from django.test import Client

from diemcau import publicurl
from diemcau.delegates import badge_token, services
from diemcau.delegates.models import Delegate
from diemcau.delegates.tests.test_views import EVERYTHING, delegates_catalogue, people

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("delegates_catalogue")]
__all__ = ["delegates_catalogue", "people"]


def address_of(delegate: Delegate) -> str:
    return badge_token.PATH + badge_token.link_token(delegate.code, delegate.secret)


def test_a_phone_opening_the_badge_lands_on_the_delegates_own_page(
    people: dict[str, Delegate],
) -> None:
    """Anonymous (a phone), followed to the learner page, which first asks for the CCCD digits."""
    delegate = people["HK-01"]
    phone = Client()
    response = phone.get(address_of(delegate))
    assert response.status_code == 302
    target = response["Location"]
    mac = badge_token.mac_for(delegate.code, delegate.secret)
    assert target == f"/hoc-vien/{delegate.code}.{mac}/"
    page = phone.get(target, follow=True)
    assert page.status_code == 200
    assert "CCCD" in page.content.decode()  # the second factor, before anything personal
    assert response["Cache-Control"].startswith("max-age=0")
    # Lower case (a phone app that lower-cases links) opens the same page.
    assert phone.get(address_of(delegate).lower()).status_code == 302


@pytest.mark.parametrize(
    "mutate",
    [
        lambda path: path[:-1] + ("0" if path[-1] != "0" else "1"),  # a forged MAC
        lambda path: path[:-1],  # a MAC character short
        lambda path: path.split(".")[0],  # the code without a MAC
        lambda path: "/d/" + "Z" * 8 + "." + "0" * 16,  # a code that does not exist
        lambda path: "/d/DC1:" + path[3:].replace(".", ":"),  # the old payload as a path
        lambda path: "/d/%E2%80%94.%00",  # junk
    ],
)
def test_a_forged_or_broken_badge_address_is_not_found_never_a_server_error(
    people: dict[str, Delegate], mutate: Any
) -> None:
    response = Client(raise_request_exception=False).get(mutate(address_of(people["HK-01"])))
    assert response.status_code == 404


def test_a_revoked_badge_no_longer_opens_the_page(people: dict[str, Delegate]) -> None:
    delegate = people["HK-01"]
    printed = address_of(delegate)
    assert Client().get(printed).status_code == 302
    services.revoke_badge(EVERYTHING, delegate.code)
    assert Client().get(printed).status_code == 404
    assert Client().get(address_of(Delegate.objects.get(pk=delegate.pk))).status_code == 302


def test_the_public_address_wins_then_the_request_then_the_fallback(rf: Any, settings: Any) -> None:
    settings.DIEMCAU_PUBLIC_URL = ""
    request = rf.get("/delegates/", HTTP_HOST="10.1.2.3:8000")
    settings.ALLOWED_HOSTS = ["10.1.2.3"]
    assert publicurl.base(request) == "http://10.1.2.3:8000"
    assert publicurl.base() == "http://127.0.0.1:8000"
    settings.DIEMCAU_PUBLIC_URL = "https://hoinghi.example.gov.vn/"
    assert publicurl.base(request) == "https://hoinghi.example.gov.vn"
    assert publicurl.public_url("/d/X", request) == "https://hoinghi.example.gov.vn/d/X"


@pytest.mark.parametrize(
    ("demo", "public", "warned"),
    [(False, "", True), (True, "", False), (False, "https://hoinghi.example.gov.vn", False)],
)
def test_production_without_a_public_address_warns_at_start_up(
    settings: Any, demo: bool, public: str, warned: bool
) -> None:
    settings.DEBUG, settings.DIEMCAU_DEMO, settings.DIEMCAU_PUBLIC_URL = False, demo, public
    ids = [m.id for m in checks.run_checks()]
    assert ("diemcau.W001" in ids) is warned


def test_the_page_that_prints_badges_warns_about_an_address_no_phone_opens(
    people: dict[str, Delegate], web_as: Any, settings: Any
) -> None:
    client = web_as("site_operator", "HK-01")
    settings.DIEMCAU_PUBLIC_URL = ""
    page = client.get("/delegates/", {"site": "HK-01"}).content.decode()
    assert 'id="public-url-warning"' in page and "http://testserver" in page
    settings.DIEMCAU_DEMO = False  # production, address unset: the same warning names the setting
    page = client.get("/delegates/", {"site": "HK-01"}).content.decode()
    assert "DIEMCAU_PUBLIC_URL" in page
    settings.DIEMCAU_PUBLIC_URL = "https://hoinghi.example.gov.vn"
    page = client.get("/delegates/", {"site": "HK-01"}).content.decode()
    assert 'id="public-url-warning"' not in page
    # The badge job keeps the address it printed and says so on its result page.
    result = client.post("/delegates/badges/", {"site": "HK-01"}, follow=True).content.decode()
    assert "https://hoinghi.example.gov.vn/d/" in result
    assert 'id="public-url-warning"' not in result
