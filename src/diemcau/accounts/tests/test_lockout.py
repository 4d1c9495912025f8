"""Lockout after repeated sign-in failures (django-axes): web login, admin login, API tokens."""

import pytest
from axes.models import AccessAttempt
from click.testing import CliRunner
from django.test import Client

from diemcau.accounts.services import issue_token
from diemcau.cli import main
from diemcau.conftest import HANOI, HUE

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-123"  # conftest's make_user password
WAIT_VI = "Hãy thử lại sau 15 phút"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 0.25
    settings.DIEMCAU_SIGNIN_ADDRESS_FACTOR = 4


def _fail(client, path, username, times):
    responses = [
        client.post(path, {"username": username, "password": "sai-mat-khau"}) for _ in range(times)
    ]
    return responses[-1]


def test_web_login_locks_after_five_failures_even_for_the_right_password(make_user):
    user = make_user("province_organiser", HANOI)
    client = Client()
    assert _fail(client, "/login/", user.username, 4).status_code == 200  # form again, with error
    locked = _fail(client, "/login/", user.username, 1)
    assert locked.status_code == 429
    assert WAIT_VI in locked.content.decode()
    assert int(locked["Retry-After"]) > 800
    right = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out of that account: nobody can lock an organiser out
    # from afar.
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    ok = elsewhere.post("/login/", {"username": user.username, "password": PASSWORD})
    assert ok.status_code == 302 and "_auth_user_id" in elsewhere.session


def test_admin_login_locks_too(make_user):
    boss = make_user("central_organiser")
    client = Client()
    locked = _fail(client, "/admin/login/", boss.username, 5)
    assert locked.status_code == 429 and WAIT_VI in locked.content.decode()
    right = client.post("/admin/login/", {"username": boss.username, "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_locks_after_more_failures_spread_over_accounts(make_user):
    users = [make_user("viewer", HANOI) for _ in range(5)]
    client = Client(REMOTE_ADDR="10.1.1.1")
    for u in users[:4]:  # 4 × 4 = 16 failures: no account reached 5, the address not 20
        assert _fail(client, "/login/", u.username, 4).status_code == 200
    assert _fail(client, "/login/", users[4].username, 3).status_code == 200  # 19
    assert _fail(client, "/login/", users[4].username, 1).status_code == 429  # 20: the address
    other = make_user("viewer", HUE)
    refused = client.post("/login/", {"username": other.username, "password": PASSWORD})
    assert refused.status_code == 429


def test_a_colleague_signing_in_does_not_clear_the_failures_at_that_address(make_user):
    victim, colleague = make_user("province_organiser", HANOI), make_user("viewer", HANOI)
    client = Client()
    _fail(client, "/login/", victim.username, 4)
    assert (
        client.post("/login/", {"username": colleague.username, "password": PASSWORD}).status_code
        == 302
    )
    client.post("/logout/")
    assert _fail(client, "/login/", victim.username, 1).status_code == 429


def test_success_before_the_limit_clears_the_account_count(make_user):
    user = make_user("viewer", HANOI)
    client = Client()
    _fail(client, "/login/", user.username, 4)
    assert (
        client.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    )
    client.post("/logout/")
    assert _fail(client, "/login/", user.username, 4).status_code == 200


def test_unknown_bearer_tokens_lock_the_address_with_a_vietnamese_429(make_user):
    viewer = make_user("viewer", HANOI)
    good = issue_token(viewer.username)
    client = Client()
    codes = [
        client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer dc_guess{i}").status_code
        for i in range(5)
    ]
    assert codes == [401, 401, 401, 401, 429]
    again = client.get("/api/v1/units", HTTP_AUTHORIZATION="Bearer dc_guess-again")
    assert again.status_code == 429
    assert WAIT_VI in again.json()["detail"] and int(again["Retry-After"]) > 800
    # The heartbeat path (its own cached bearer) answers a locked address the same way.
    beat = client.post(
        "/api/v1/heartbeats",
        {"site": "X"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer dc_guess-beat",
    )
    assert beat.status_code == 429
    # A real token still works from that address: a neighbour behind the same NAT cannot cut
    # every console of a province off by guessing.
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
    # People are not locked by guessed tokens: their own count is per account.
    ok = client.post("/login/", {"username": viewer.username, "password": PASSWORD})
    assert ok.status_code == 302


def test_cli_unlock_lets_the_right_password_in_again(make_user):
    user = make_user("province_organiser", HANOI)
    client = Client()
    _fail(client, "/login/", user.username, 5)
    result = CliRunner().invoke(main, ["user", "unlock", user.username])
    assert result.exit_code == 0, result.output
    assert "Đã mở khóa" in result.output
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    ok = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert ok.status_code == 302


def test_cli_unlock_of_an_address_and_unknown_name():
    AccessAttempt.objects.create(
        username="x", ip_address="10.2.2.2", user_agent="", failures_since_start=50
    )
    runner = CliRunner()
    assert runner.invoke(main, ["user", "unlock", "--ip", "10.2.2.2"]).exit_code == 0
    assert not AccessAttempt.objects.filter(ip_address="10.2.2.2").exists()
    missing = runner.invoke(main, ["user", "unlock", "nobody-here"])
    assert missing.exit_code == 1 and "Không có người dùng" in missing.output


def test_a_province_organiser_unlocks_people_of_their_province_only(make_user, make_site):
    site = make_site()  # Hoàn Kiếm, Hà Nội
    operator = make_user("site_operator", site.code)
    outsider = make_user("province_organiser", HUE)
    hanoi_org = make_user("province_organiser", HANOI)
    for person in (operator, outsider):
        _fail(Client(), "/login/", person.username, 5)
    web = Client()
    web.force_login(hanoi_org)
    page = web.get("/accounts/security/")
    assert page.status_code == 200
    text = page.content.decode()
    assert operator.username in text and outsider.username not in text
    assert "Đang bị khóa" in text
    assert web.post(f"/accounts/security/{outsider.pk}/unlock/").status_code == 403
    assert AccessAttempt.objects.filter(username=outsider.username).exists()
    done = web.post(f"/accounts/security/{operator.pk}/unlock/", follow=True)
    assert "đã có thể đăng nhập lại" in done.content.decode()
    assert not AccessAttempt.objects.filter(username=operator.username).exists()
    # The centre unlocks anyone; people who are not organisers do not see the page.
    centre = Client()
    centre.force_login(make_user("central_organiser"))
    assert centre.post(f"/accounts/security/{outsider.pk}/unlock/").status_code == 302
    op_web = Client()
    op_web.force_login(operator)
    assert op_web.get("/accounts/security/").status_code == 404
    assert op_web.post(f"/accounts/security/{outsider.pk}/unlock/").status_code == 404


def test_the_centre_lifts_the_lock_of_a_whole_address(make_user):
    users = [make_user("viewer", HANOI) for _ in range(5)]
    office = Client(REMOTE_ADDR="10.3.3.3")
    for u in users:
        _fail(office, "/login/", u.username, 4)
    assert (
        office.post("/login/", {"username": users[0].username, "password": PASSWORD}).status_code
        == 429
    )
    province = Client()
    province.force_login(make_user("province_organiser", HANOI))
    assert "10.3.3.3" not in province.get("/accounts/security/").content.decode()
    refused = province.post("/accounts/security/address/unlock/", {"ip_address": "10.3.3.3"})
    assert refused.status_code == 403
    centre = Client()
    centre.force_login(make_user("central_organiser"))
    page = centre.get("/accounts/security/").content.decode()
    assert "Địa chỉ đang bị khóa đăng nhập" in page and "10.3.3.3" in page
    done = centre.post(
        "/accounts/security/address/unlock/", {"ip_address": "10.3.3.3"}, follow=True
    )
    assert "Đã mở lại đăng nhập từ địa chỉ 10.3.3.3" in done.content.decode()
    ok = office.post("/login/", {"username": users[0].username, "password": PASSWORD})
    assert ok.status_code == 302
