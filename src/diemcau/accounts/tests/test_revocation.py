"""Taking access away works at once: the next API call, heartbeat or page is refused."""

import uuid
from typing import Any

import pytest
import redis
from click.testing import CliRunner
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client

from diemcau.accounts import revocation
from diemcau.accounts.models import ApiToken, Grant, UserSession
from diemcau.accounts.revocation_feed import FileFeed, RedisFeed, Revocations, revocations
from diemcau.accounts.scopes import scope_for
from diemcau.accounts.services import add_user, issue_token
from diemcau.audit.models import Entry
from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.errors import Forbidden, NotFound
from diemcau.operations import fastpath, livestate, services
from diemcau.operations.livestate import MemoryStore
from diemcau.operations.tests.test_fastpath import Server, _session_headers

pytestmark = pytest.mark.django_db
BEAT = {"playing": True, "buffer": 8.0, "bitrate": 2500, "version": "1.0"}


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Any) -> Any:
    """Two-factor is another feature's test; the feed is this test's own file; a fresh store."""
    settings.DIEMCAU_2FA_ROLES = []
    settings.DIEMCAU_LIVE_FLUSHER = False
    revocations.set_feed(FileFeed(tmp_path / "revocations.log"))
    livestate.set_store(MemoryStore())
    services.site_cache.clear()
    fastpath.callers.clear()
    yield
    fastpath.callers.clear()
    livestate.set_store(None)
    services.site_cache.clear()
    revocations.set_feed(None)


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, Any]]]:
    """What reaches the audit trail."""
    seen: list[tuple[str, str, dict[str, Any]]] = []

    def record(action: str, subject: str, **kwargs: Any) -> None:
        seen.append((action, subject, kwargs))

    monkeypatch.setattr(revocation, "record_event", record)
    return seen


def _beat(server: Server, site: str, headers: dict[str, str]) -> int:
    return server.post({"site": site, **BEAT}, headers=headers)[0]


def test_a_revoked_token_is_refused_at_its_next_call_and_heartbeat(make_site, make_user, events):
    make_site(HOAN_KIEM, code="RV-1")
    make_user("site_operator", "RV-1", username="op-rv1")
    raw = issue_token("op-rv1", "agent")
    server = Server()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert _beat(server, "RV-1", auth) == 200
    assert _beat(server, "RV-1", auth) == 200
    assert server.django_calls == 1  # the token is cached by the fast path
    assert api.get("/api/v1/me").status_code == 200

    result = CliRunner().invoke(main, ["token", "revoke", raw[:10]])
    assert result.exit_code == 0, result.output
    assert f"Đã thu hồi mã truy cập {raw[:10]}… của op-rv1." in result.output

    assert _beat(server, "RV-1", auth) == 401  # not 30 s later: now
    assert server.django_calls == 2
    assert api.get("/api/v1/me").status_code == 401
    assert events == [
        ("revoke", "token", {"actor": None, "unit": events[0][2]["unit"], "counts": {"tokens": 1},
                             "detail": f"op-rv1: {raw[:10]}"}),
    ]  # fmt: skip
    assert events[0][2]["unit"].code == HANOI  # Hà Nội's organisers may read the entry


def test_a_deactivated_persons_open_browser_is_signed_out_at_once(make_site, make_user, events):
    make_site(HOAN_KIEM, code="RV-2")
    person = make_user("site_operator", "RV-2", username="op-rv2")
    browser = Client()
    browser.force_login(person)
    session_key = browser.cookies["sessionid"].value
    assert UserSession.objects.filter(user=person, session_key=session_key).exists()
    assert browser.get("/sites/").status_code == 200
    server = Server()
    headers = _session_headers(browser)
    assert _beat(server, "RV-2", headers) == 200
    assert _beat(server, "RV-2", headers) == 200
    assert server.django_calls == 1

    boss = make_user("central_organiser", username="boss-rv2")
    organiser = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token('boss-rv2')}")
    response = organiser.post("/api/v1/people/op-rv2/deactivate")
    assert response.status_code == 200
    assert response.json() == {"username": "op-rv2", "is_active": False, "sessions_ended": 1}

    assert not Session.objects.filter(session_key=session_key).exists()
    page = browser.get("/sites/")
    assert page.status_code == 302 and page["Location"].startswith("/login/")
    assert browser.get("/api/v1/me").status_code == 401
    assert _beat(server, "RV-2", headers) == 401
    assert server.django_calls == 2
    assert events[-1][:2] == ("deactivate", "user")
    assert events[-1][2]["actor"] == boss
    assert events[-1][2]["counts"] == {"sessions_ended": 1}

    # active again: signing in works, the old session stays ended
    assert organiser.post("/api/v1/people/op-rv2/activate").status_code == 200
    person.refresh_from_db()
    assert person.is_active
    assert browser.get("/sites/").status_code == 302
    assert events[-1][:2] == ("activate", "user")


def test_sessions_are_remembered_at_sign_in_and_forgotten_when_gone(make_user):
    person = make_user("viewer", HANOI)
    first, second = Client(), Client()
    first.force_login(person)
    old_key = first.cookies["sessionid"].value
    Session.objects.filter(session_key=old_key).delete()  # expired and cleared
    second.force_login(person)
    keys = set(UserSession.objects.filter(user=person).values_list("session_key", flat=True))
    assert keys == {second.cookies["sessionid"].value}
    second.post("/logout/")
    assert not UserSession.objects.filter(user=person).exists()


def test_a_province_organiser_manages_only_people_wholly_in_the_province(make_site, make_user):
    make_site(HOAN_KIEM, code="RV-HN")
    make_site(first_commune(HUE).code, code="RV-HUE")
    make_user("province_organiser", HANOI, username="tinh-hn")
    make_user("site_operator", "RV-HN", username="op-hn")
    make_user("site_operator", "RV-HUE", username="op-hue")
    make_user("site_operator", "RV-HN,RV-HUE", username="op-both")
    make_user("viewer", HANOI, username="xem-hn")
    make_user("central_organiser", username="tw")
    hanoi = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token('tinh-hn')}")

    listed = hanoi.get("/api/v1/people").json()
    assert [p["username"] for p in listed] == ["op-hn", "tinh-hn", "xem-hn"]
    assert listed[0]["grants"][0]["scope"] == "RV-HN"

    for name in ("op-hue", "op-both", "tw"):
        assert hanoi.get(f"/api/v1/people/{name}").status_code == 404
        response = hanoi.post(f"/api/v1/people/{name}/deactivate")
        assert response.status_code == 403
        assert "ngoài phạm vi" in response.json()["detail"]
        assert User.objects.get(username=name).is_active
    assert hanoi.get("/api/v1/people/tokens?user=op-hue").status_code == 404
    assert hanoi.get("/api/v1/people/nobody").status_code == 404

    assert hanoi.post("/api/v1/people/op-hn/deactivate").status_code == 200
    assert not User.objects.get(username="op-hn").is_active
    assert hanoi.post("/api/v1/people/tinh-hn/deactivate").status_code == 403  # not oneself

    operator = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token('op-hue')}")
    assert operator.get("/api/v1/people").status_code == 403
    assert operator.post("/api/v1/people/op-hn/activate").status_code == 403


def test_removing_a_grant_and_revoking_tokens_through_the_api(make_site, make_user, events):
    make_site(HOAN_KIEM, code="RV-3")
    make_site(HOAN_KIEM, code="RV-4")
    make_user("province_organiser", HANOI, username="tinh-rv3")
    make_user("site_operator", "RV-3", username="op-rv3")
    add_user("op-rv3", "site_operator", "RV-4")
    raw = issue_token("op-rv3", "máy trạm")
    issue_token("op-rv3")
    hanoi = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token('tinh-rv3')}")
    op = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert op.get("/api/v1/sites/RV-4").status_code == 200

    person = hanoi.get("/api/v1/people/op-rv3").json()
    grant_rv4 = next(g["id"] for g in person["grants"] if g["scope"] == "RV-4")
    response = hanoi.post(f"/api/v1/people/op-rv3/grants/{grant_rv4}/remove")
    assert response.json() == {"username": "op-rv3", "removed": 1}
    assert op.get("/api/v1/sites/RV-4").status_code == 404  # the next request, judged anew
    assert op.get("/api/v1/sites/RV-3").status_code == 200

    tokens = hanoi.get("/api/v1/people/tokens?user=op-rv3").json()
    assert [t["label"] for t in tokens] == ["", "máy trạm"]
    labelled = next(t for t in tokens if t["label"])
    revoked = hanoi.post(f"/api/v1/people/tokens/{labelled['id']}/revoke").json()
    assert revoked["revoked_at"] is not None
    assert op.get("/api/v1/me").status_code == 401
    assert hanoi.post("/api/v1/people/op-rv3/tokens/revoke").json()["revoked"] == 1
    assert not ApiToken.objects.filter(user__username="op-rv3", revoked_at__isnull=True).exists()
    assert [e[:2] for e in events] == [
        ("remove_grant", "grant"), ("revoke", "token"), ("revoke", "token"),
    ]  # fmt: skip
    assert all(e[2]["actor"].username == "tinh-rv3" for e in events)


def test_the_cli_in_vietnamese(make_site, make_user):
    make_site(HOAN_KIEM, code="RV-5")
    make_site(first_commune(HUE).code, code="RV-6")
    make_user("province_organiser", HANOI, username="tinh-rv5")
    make_user("site_operator", "RV-5", username="op-rv5")
    make_user("site_operator", "RV-6", username="op-rv6")
    runner = CliRunner()

    assert runner.invoke(main, ["token", "op-rv5", "--label", "máy A"]).exit_code == 0
    listed = runner.invoke(main, ["token", "list", "--user", "op-rv5"])
    assert listed.exit_code == 0, listed.output
    assert "op-rv5\tmáy A" in listed.output
    assert "1 mã truy cập (1 còn hiệu lực, 0 đã thu hồi)." in listed.output
    revoked = runner.invoke(main, ["token", "revoke", "--user", "op-rv5"])
    assert "Đã thu hồi 1 mã truy cập của op-rv5." in revoked.output
    assert "đã thu hồi" in runner.invoke(main, ["token", "list"]).output

    grants = runner.invoke(main, ["user", "grants", "op-rv5"])
    assert "\tsite_operator\tRV-5" in grants.output and "op-rv5: 1 quyền." in grants.output
    out = runner.invoke(main, ["user", "deactivate", "op-rv5", "--as-user", "tinh-rv5"])
    assert out.exit_code == 0, out.output
    assert "Đã khóa tài khoản op-rv5; đã đăng xuất 0 phiên đang mở." in out.output
    entry = Entry.objects.get(event="deactivate", subject="user")  # the real audit trail
    assert (entry.actor.username, entry.unit.code) == ("tinh-rv5", HANOI)
    assert (
        "Đã mở lại tài khoản op-rv5." in runner.invoke(main, ["user", "activate", "op-rv5"]).output
    )

    # outside the organiser's province: refused in Vietnamese, nothing changed
    out = runner.invoke(main, ["user", "deactivate", "op-rv6", "--as-user", "tinh-rv5"])
    assert out.exit_code == 1 and "nằm ngoài phạm vi" in out.output
    out = runner.invoke(main, ["user", "grants", "op-rv6", "--as-user", "tinh-rv5"])
    assert out.exit_code == 1 and "Không có người dùng" in out.output
    out = runner.invoke(main, ["user", "remove-grant", "op-rv5", "--role", "viewer"])
    assert out.exit_code == 1 and "không có quyền này" in out.output
    out = runner.invoke(
        main, ["user", "remove-grant", "op-rv5", "--role", "site_operator", "--scope", "RV-5"]
    )
    assert "Đã gỡ 1 quyền của op-rv5." in out.output
    assert not Grant.objects.filter(user__username="op-rv5").exists()
    out = runner.invoke(main, ["token", "revoke"])
    assert out.exit_code == 1 and "Hãy cho mã đầu" in out.output


def test_the_people_page(make_site, make_user, events):
    make_site(HOAN_KIEM, code="RV-7")
    make_site(first_commune(HUE).code, code="RV-8")
    organiser = make_user("province_organiser", HANOI, username="tinh-rv7")
    make_user("site_operator", "RV-7", username="op-rv7")
    make_user("site_operator", "RV-8", username="op-rv8")
    issue_token("op-rv7", "trạm 7")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(organiser)

    page = browser.get("/accounts/people/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "op-rv7" in html and "op-rv8" not in html
    assert "data-confirm=" in html and "onclick" not in html and "<script>" not in html
    assert "Khóa tài khoản" in html and "Thu hồi" in html and "Gỡ" in html

    token = ApiToken.objects.get(user__username="op-rv7")
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(
        f"/accounts/people/tokens/{token.pk}/revoke/", {"csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = browser.post("/accounts/people/op-rv7/deactivate/", {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert "Đã khóa tài khoản op-rv7" in browser.get("/accounts/people/").content.decode()
    assert browser.post("/accounts/people/op-rv7/deactivate/").status_code == 403  # no CSRF
    out = browser.post("/accounts/people/op-rv8/deactivate/", {"csrfmiddlewaretoken": csrf})
    assert out.status_code == 403
    assert User.objects.get(username="op-rv8").is_active

    viewer = Client()
    viewer.force_login(make_user("viewer", HANOI))
    assert viewer.get("/accounts/people/").status_code == 403


def _two_processes(feed_a: Any, feed_b: Any) -> tuple[Revocations, list[Any]]:
    """Process A announces; B, another process on the same feed, hears it at its next poll."""
    a, b = Revocations(feed_a), Revocations(feed_b)
    heard: list[Any] = []
    b.subscribe(heard.append)
    b.poll()  # B starts: from now on
    a.announce([7, 3])
    b._next_poll = 0.0  # POLL_S later
    b.poll()
    return b, heard


def test_another_process_hears_a_revocation_through_the_file_feed(tmp_path):
    b, heard = _two_processes(FileFeed(tmp_path / "f.log"), FileFeed(tmp_path / "f.log"))
    assert heard == [frozenset({3, 7})]
    b._next_poll = 0.0
    b.poll()
    assert heard == [frozenset({3, 7})]  # each announcement once


def test_another_server_hears_a_revocation_through_redis():
    client = redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=2)
    prefix = f"diemcau:test:revoke:{uuid.uuid4().hex}:"
    try:
        _b, heard = _two_processes(RedisFeed(client, prefix), RedisFeed(client, prefix))
        assert heard == [frozenset({3, 7})]
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_a_revocation_heard_from_elsewhere_empties_the_fast_path_of_that_user(
    make_site, make_user, tmp_path
):
    make_site(HOAN_KIEM, code="RV-9")
    make_user("site_operator", "RV-9", username="op-rv9")
    raw = issue_token("op-rv9")
    server = Server()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert _beat(server, "RV-9", auth) == 200
    fastpath.callers.get(b"")  # this process starts reading the feed
    # another process (the CLI, another worker) revokes: the database and the feed only
    ApiToken.objects.filter(prefix=raw[:10]).update(revoked_at="2026-01-01T00:00:00Z")
    other = Revocations(FileFeed(tmp_path / "revocations.log"))
    other.announce([User.objects.get(username="op-rv9").pk])
    revocations._next_poll = 0.0  # POLL_S later
    assert _beat(server, "RV-9", auth) == 401
    assert server.django_calls == 2


def test_scope_rules_in_the_services(make_site, make_user):
    make_site(first_commune(HUE).code, code="RV-10")
    hanoi = scope_for(make_user("province_organiser", HANOI))
    make_user("site_operator", "RV-10", username="op-rv10")
    with pytest.raises(NotFound):
        revocation.grants_of(hanoi, "op-rv10")
    with pytest.raises(Forbidden):
        revocation.remove_grant(hanoi, "op-rv10", role="site_operator")
    with pytest.raises(Forbidden):
        revocation.people(scope_for(make_user("sector_answerer", "y-te")))
