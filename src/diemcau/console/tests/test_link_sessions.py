"""A reissued site link ends the browser sessions opened with the old one, at once."""

from typing import Any

import pytest
from click.testing import CliRunner
from django.core.cache import cache
from django.test import Client

from diemcau.accounts.revocation_feed import FileFeed, revocations
from diemcau.accounts.scopes import scope_for
from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.console import links
from diemcau.console.models import SiteLink
from diemcau.operations import fastpath, livestate, services
from diemcau.operations.livestate import MemoryStore
from diemcau.operations.tests.test_fastpath import Server, _session_headers

pytestmark = pytest.mark.django_db
BASE = "http://testserver"
ROSTER = "/api/v1/delegates/roster?site=LK-01"


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Any) -> Any:
    settings.DIEMCAU_2FA_ROLES = []  # two-factor is another feature's test
    settings.DIEMCAU_LIVE_FLUSHER = False
    revocations.set_feed(FileFeed(tmp_path / "revocations.log"))
    livestate.set_store(MemoryStore())
    services.site_cache.clear()
    fastpath.callers.clear()
    cache.clear()
    yield
    fastpath.callers.clear()
    livestate.set_store(None)
    services.site_cache.clear()
    revocations.set_feed(None)


@pytest.fixture
def organiser(make_site: Any, make_user: Any) -> Any:
    make_site(HOAN_KIEM, code="LK-01", name="Điểm cầu Hoàn Kiếm")
    return make_user("province_organiser", HANOI)


def _open(organiser: Any) -> Client:
    """A browser that opens the site's current link."""
    row = next(r for r in links.links_for(scope_for(organiser), None, BASE) if r.code == "LK-01")
    browser = Client()
    assert browser.get(row.url.removeprefix(BASE)).status_code == 302
    return browser


def _works(browser: Client) -> bool:
    page = browser.get("/console/LK-01/")
    roster = browser.get(ROSTER)
    assert (page.status_code == 200) == (roster.status_code == 200)
    return page.status_code == 200


def _signed_out(browser: Client) -> bool:
    page = browser.get("/console/LK-01/")
    return (
        page.status_code == 302
        and page["Location"].startswith("/login/")
        and browser.get(ROSTER).status_code == 401
    )


def test_a_reissue_ends_the_old_links_sessions_and_the_new_link_works(organiser: Any) -> None:
    old = _open(organiser)
    assert _works(old)
    result = CliRunner().invoke(main, ["site-links", "--reissue", "LK-01", "--base-url", BASE])
    assert result.exit_code == 0, result.output
    assert "Đường dẫn mới của LK-01" in result.output

    assert _signed_out(old)
    new = _open(organiser)
    assert _works(new)
    assert _works(new)  # the middleware does not flush the session of the new version


def test_the_middleware_ends_a_session_that_outlived_the_reissue(organiser: Any) -> None:
    """The session rows are deleted at reissue; a session that escaped that (another server's
    stale cache, a restored backup) is still ended by the version it remembers."""
    old = _open(organiser)
    assert _works(old)
    SiteLink.objects.filter(site__code="LK-01").update(version=2)  # as a reissue elsewhere did
    assert _works(old)  # this process still has version 1 cached: nothing known yet
    cache.clear()  # the reissue deleted the cached version (shared cache) or it expired
    assert _signed_out(old)


def test_a_stale_cached_version_does_not_end_a_session_of_the_new_link(organiser: Any) -> None:
    first = _open(organiser)
    assert _works(first)  # version 1 is now cached here
    SiteLink.objects.filter(site__code="LK-01").update(version=2)  # reissued by another process
    new = _open(organiser)  # opened with version 2 while this cache still says 1
    assert _works(new)


def test_the_heartbeat_fast_path_refuses_a_session_ended_by_a_reissue(organiser: Any) -> None:
    browser = _open(organiser)
    server = Server()
    headers = _session_headers(browser)
    beat = {"site": "LK-01", "playing": True, "buffer": 6.0}
    assert server.post(beat, headers=headers)[0] == 200
    assert server.post(beat, headers=headers)[0] == 200
    assert server.django_calls == 1  # the console's session is cached by the fast path

    response = organiser_client(organiser).post("/console/links/reissue/", {"code": "LK-01"})
    assert response.status_code == 302

    assert server.post(beat, headers=headers)[0] == 401
    assert server.django_calls == 2


def organiser_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_reissue_reaches_the_audit_trail(organiser: Any, monkeypatch: Any) -> None:
    seen: list[tuple[Any, ...]] = []
    monkeypatch.setattr(links, "record_event", lambda *a, **k: seen.append((*a, k)))
    _open(organiser)
    links.reissue(scope_for(organiser), "LK-01", BASE, by=organiser)
    assert seen[0][:2] == ("reissue", "site_link")
    assert seen[0][2]["actor"] == organiser
    assert seen[0][2]["counts"] == {"sessions_ended": 1}
