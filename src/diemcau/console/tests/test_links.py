"""Site links: a site opens its own console without a password, and only its own."""

import datetime as dt
import io

import pytest
from click.testing import CliRunner
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from diemcau.accounts.scopes import scope_for
from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.console import links
from diemcau.console.models import SiteLink
from diemcau.errors import Forbidden, NotFound

pytestmark = pytest.mark.django_db
BASE = "https://diemcau.example.vn"


@pytest.fixture
def sites(make_site):
    return {
        "hk": make_site(HOAN_KIEM, code="HK-01", name="Điểm cầu Phường Hoàn Kiếm"),
        "hn2": make_site(HOAN_KIEM, code="HK-02"),
        "hue": make_site(first_commune(HUE).code, code="HUE-01"),
    }


def _path(row):
    return row.url.removeprefix(BASE)


def _export(client, unit=""):
    response = client.get("/console/links/export/", {"unit": unit})
    assert response.status_code == 200
    return _rows(response.content)


def _rows(content):
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return [tuple(r) for r in book.get_sheet_by_index(0).to_python()[1:]]


def test_a_link_opens_its_sites_console_and_nothing_else(sites, make_user, settings):
    settings.DIEMCAU_LIVE_FLUSHER = False  # no flusher thread left behind for later tests
    organiser = make_user("province_organiser", HANOI)
    rows = {r.code: r for r in links.links_for(scope_for(organiser), None, BASE)}
    assert set(rows) == {"HK-01", "HK-02"}  # Huế's site is not the Hà Nội organiser's to hand out

    browser = Client()
    response = browser.get(_path(rows["HK-01"]))
    assert response.status_code == 302
    assert response["Location"] == "/console/HK-01/"
    page = browser.get("/console/HK-01/")
    assert page.status_code == 200
    assert "Điểm cầu Phường Hoàn Kiếm" in page.content.decode()
    # the same browser may not run the neighbouring site, nor see Huế's
    assert browser.get("/console/HK-02/").status_code == 404
    assert browser.get("/console/HUE-01/").status_code == 404

    # and the API works with the session, as for any operator
    def beat(code):
        return browser.post(
            "/api/v1/heartbeats",
            {"site": code, "playing": True},
            content_type="application/json",
            headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
        )

    assert beat("HK-01").status_code == 200, beat("HK-01").content
    assert beat("HK-02").status_code in (403, 404)


def test_exporting_twice_gives_the_same_links_and_a_reissue_kills_the_old_one(sites, web_as):
    organiser = web_as("province_organiser", HANOI)
    first = _export(organiser, HANOI)
    assert [r[0] for r in first] == ["HK-01", "HK-02"]
    assert _export(organiser, HANOI) == first
    old_url = first[0][3]

    response = organiser.post("/console/links/reissue/", {"code": "HK-01"})
    assert response.status_code == 302
    assert Client().get(old_url.removeprefix("http://testserver")).status_code == 403
    new_url = _export(organiser, HANOI)[0][3]
    assert new_url != old_url
    assert Client().get(new_url.removeprefix("http://testserver")).status_code == 302


@pytest.mark.parametrize("mangle", ["forged", "other-site", "expired"])
def test_bad_links_are_refused_in_vietnamese(sites, make_user, mangle):
    organiser = make_user("central_organiser")
    rows = {r.code: r for r in links.links_for(scope_for(organiser), None, BASE)}
    path = _path(rows["HK-01"])
    if mangle == "forged":
        path = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    elif mangle == "other-site":  # the signature of one site does not open another
        path = path.replace("HK-01", "HK-02")
    else:
        SiteLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = Client(headers={"Accept-Language": "vi"}).get(path)
    assert response.status_code == 403
    assert "không hợp lệ" in response.content.decode()


def test_only_organisers_hand_out_links(sites, make_user, web_as):
    operator = make_user("site_operator", "HK-01")
    with pytest.raises(Forbidden):
        links.links_for(scope_for(operator), None, BASE)
    assert web_as("site_operator", "HK-01").get("/console/links/").status_code == 403
    hanoi = make_user("province_organiser", HANOI)
    with pytest.raises(NotFound):  # Huế's site does not exist for a Hà Nội organiser
        links.reissue(scope_for(hanoi), "HUE-01", BASE)


def test_the_command_writes_the_links_and_reissues(sites, make_user, tmp_path):
    make_user("province_organiser", HUE, username="hue-org")
    out = tmp_path / "links.xlsx"
    result = CliRunner().invoke(
        main, ["site-links", HUE, "-o", str(out), "--base-url", BASE, "--as-user", "hue-org"]
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out.read_bytes())
    assert [r[0] for r in rows] == ["HUE-01"]
    assert rows[0][3].startswith(BASE + "/console/k/HUE-01.1:")
    result = CliRunner().invoke(
        main, ["site-links", "--reissue", "HUE-01", "--base-url", BASE, "--as-user", "hue-org"]
    )
    assert result.exit_code == 0, result.output
    assert "/console/k/HUE-01.2:" in result.output


def test_exported_links_start_from_the_public_address_and_the_page_warns_without_one(
    sites, web_as, settings
):
    organiser = web_as("province_organiser", HANOI)
    settings.DIEMCAU_PUBLIC_URL = "https://hoinghi.example.gov.vn"
    assert _export(organiser, HANOI)[0][3].startswith("https://hoinghi.example.gov.vn/console/k/")
    assert 'id="public-url-warning"' not in organiser.get("/console/links/").content.decode()
    settings.DIEMCAU_PUBLIC_URL = ""  # unset: the address the organiser's browser reached
    assert _export(organiser, HANOI)[0][3].startswith("http://testserver/console/k/")
    page = organiser.get("/console/links/").content.decode()
    assert 'id="public-url-warning"' in page and "DIEMCAU_PUBLIC_URL" in page
