import pytest
from click.testing import CliRunner
from django.contrib.auth.models import User
from django.test import Client

from diemcau.accounts.models import ApiToken, Grant
from diemcau.accounts.scopes import scope_for
from diemcau.accounts.services import AccountError, add_user, issue_token, revoke_tokens
from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM, HUE

pytestmark = pytest.mark.django_db


def test_token_authenticates_and_is_stored_only_as_a_digest(make_user):
    user = make_user("viewer")
    raw = issue_token(user.username, "agent")
    assert raw.startswith("dc_")
    token = ApiToken.objects.get(user=user)
    assert raw not in (token.digest, token.prefix) and len(token.digest) == 64
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").json()["username"] == user.username


@pytest.mark.parametrize("header", ["Bearer dc_wrong", "Bearer ", "Basic abc", "dc_x"])
def test_bad_tokens_are_refused(header):
    assert Client(HTTP_AUTHORIZATION=header).get("/api/v1/units").status_code == 401


def test_revoked_token_and_inactive_user_are_refused(make_user):
    user = make_user("viewer")
    raw = issue_token(user.username)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").status_code == 200
    assert revoke_tokens(user.username) == 1
    assert client.get("/api/v1/me").status_code == 401
    other = make_user("viewer")
    raw = issue_token(other.username)
    User.objects.filter(pk=other.pk).update(is_active=False)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401


def test_session_login_works_for_the_api_and_writes_need_csrf(make_user, make_site):
    make_site(HOAN_KIEM, code="HK-1")
    user = make_user("central_organiser")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/sites/HK-1").status_code == 200
    response = client.patch("/api/v1/sites/HK-1", {"seats": 5}, content_type="application/json")
    assert response.status_code == 403  # no CSRF token: a forged cross-site write is refused


@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        ("king", None, "king"),
        ("province_organiser", None, "--scope"),
        ("province_organiser", HOAN_KIEM, "Phường Hoàn Kiếm"),
        ("province_organiser", "99", "99"),
        ("site_operator", "NO-SUCH-SITE", "NO-SUCH-SITE"),
        ("sector_answerer", None, "--scope"),
    ],
)
def test_bad_role_or_scope_is_explained_and_nothing_is_created(role, scope, message):
    with pytest.raises(AccountError, match=message):
        add_user("someone", role, scope)
    assert not User.objects.filter(username="someone").exists()


def test_grants_accumulate_into_one_scope(make_site):
    add_user("both", "province_organiser", HANOI)
    add_user("both", "province_organiser", HUE)
    user = User.objects.get(username="both")
    assert Grant.objects.filter(user=user).count() == 2
    assert {u.code for u in scope_for(user).organiser_units} == {HANOI, HUE}


def test_cli_user_add_and_token():
    runner = CliRunner()
    result = runner.invoke(
        main, ["user", "add", "tinh01", "--role", "province_organiser", "--scope", HANOI]
    )
    assert result.exit_code == 0, result.output
    assert "Mật khẩu:" in result.output
    result = runner.invoke(main, ["token", "tinh01"])
    assert result.exit_code == 0
    raw = result.output.strip()
    me = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").json()
    assert me["roles"] == ["province_organiser"] and me["units"] == [HANOI]
    result = runner.invoke(main, ["user", "add", "x", "--role", "province_organiser"])
    assert result.exit_code == 1
    result = runner.invoke(main, ["token", "nobody"])
    assert result.exit_code == 1 and "nobody" in result.output


def test_every_cli_command_has_help():
    runner = CliRunner()
    for args in (
        ["up"],
        ["load-units"],
        ["user", "add"],
        ["token"],
        ["import", "sites"],
        ["export", "sites"],
        ["demo-data"],
        ["import", "delegates"],
        ["export", "sites-template"],
    ):
        result = runner.invoke(main, [*args, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, args
