"""Passwords: the validators on every path, and demo accounts in production mode."""

import pytest
from click.testing import CliRunner
from django.contrib.auth.models import User
from django.test import Client

from diemcau.accounts.models import DemoAccount
from diemcau.accounts.services import AccountError, add_user, set_password
from diemcau.cli import main
from diemcau.conftest import HANOI
from diemcau.sites.demo import DEMO_PASSWORD, load_demo_accounts

pytestmark = pytest.mark.django_db

STRONG = "cau-truyen-hinh-2025"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("a", "Mật khẩu quá ngắn"),
        ("12345678901", "hoàn toàn là số"),
        ("password123", "quá phổ biến"),
    ],
)
def test_cli_user_add_refuses_a_weak_password_in_vietnamese(password, reason):
    result = CliRunner().invoke(
        main, ["user", "add", "yeu", "--role", "viewer", "--scope", HANOI, "--password", password]
    )
    assert result.exit_code == 1
    assert reason in result.output
    assert not User.objects.filter(username="yeu").exists()


def test_a_password_like_the_user_name_is_refused():
    with pytest.raises(AccountError, match="Mật khẩu quá giống"):
        add_user("nguyenvana", "viewer", HANOI, password="nguyenvana1")


def test_cli_user_add_accepts_a_strong_password_and_the_generated_one():
    runner = CliRunner()
    ok = runner.invoke(
        main, ["user", "add", "manh", "--role", "viewer", "--scope", HANOI, "--password", STRONG]
    )
    assert ok.exit_code == 0, ok.output
    assert User.objects.get(username="manh").check_password(STRONG)
    generated = runner.invoke(main, ["user", "add", "tudong", "--role", "viewer"])
    assert generated.exit_code == 0 and "Mật khẩu:" in generated.output


def test_cli_set_password_validates(make_user):
    user = make_user("viewer", HANOI)
    runner = CliRunner()
    weak = runner.invoke(main, ["user", "set-password", user.username, "--password", "abc"])
    assert weak.exit_code == 1 and "Mật khẩu quá ngắn" in weak.output
    ok = runner.invoke(main, ["user", "set-password", user.username, "--password", STRONG])
    assert ok.exit_code == 0, ok.output
    user.refresh_from_db()
    assert user.check_password(STRONG)
    with pytest.raises(AccountError):
        set_password("nobody-here", STRONG)


def test_password_change_page_applies_the_validators(make_user):
    user = make_user("viewer", HANOI)
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "Đổi mật khẩu" in page.content.decode()
    weak = client.post(
        "/accounts/password/",
        {"old_password": "mat-khau-123", "new_password1": "12345678", "new_password2": "12345678"},
    )
    text = weak.content.decode()
    assert weak.status_code == 200
    assert "Mật khẩu này hoàn toàn là số" in text and "Mật khẩu này quá phổ biến" in text
    ok = client.post(
        "/accounts/password/",
        {"old_password": "mat-khau-123", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert ok.status_code == 302 and ok.url == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert client.get("/").status_code == 200  # still signed in after the change


def test_the_password_page_needs_a_signed_in_person():
    assert Client().get("/accounts/password/").url.startswith("/login/")


def test_demo_accounts_are_marked_and_sign_in_while_the_server_is_a_demo(settings):
    settings.DIEMCAU_DEMO = True
    load_demo_accounts()
    assert DemoAccount.objects.filter(user__username="hanoi").exists()
    client = Client()
    ok = client.post("/login/", {"username": "hanoi", "password": DEMO_PASSWORD})
    assert ok.status_code == 302


def test_in_production_a_demo_account_cannot_sign_in_until_its_password_changes(settings):
    load_demo_accounts()
    settings.DIEMCAU_DEMO = False
    client = Client()
    refused = client.post("/login/", {"username": "hanoi", "password": DEMO_PASSWORD})
    assert refused.status_code == 200
    assert "Đây là tài khoản mẫu" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # A session opened another way (the admin login, or before the switch) is ended.
    hanoi = User.objects.get(username="hanoi")
    held = Client()
    held.force_login(hanoi)
    response = held.get("/sites/")
    assert response.status_code == 302 and response.url == "/login/?held=demo"
    assert "_auth_user_id" not in held.session
    assert "Đây là tài khoản mẫu" in held.get(response.url).content.decode()
    api = Client()
    api.force_login(hanoi)
    assert api.get("/api/v1/me").status_code == 403

    set_password("hanoi", STRONG)
    after = Client()
    assert after.post("/login/", {"username": "hanoi", "password": STRONG}).status_code == 302
    assert after.get("/sites/").status_code == 200


def test_a_password_changed_by_any_path_releases_a_demo_account(settings):
    """The mark keeps the hash of its moment, so a change through the admin (or anything that
    calls set_password) releases the account without clearing a flag."""
    load_demo_accounts()
    settings.DIEMCAU_DEMO = False
    user = User.objects.get(username="xem")
    user.set_password(STRONG)
    user.save()
    assert Client().post("/login/", {"username": "xem", "password": STRONG}).status_code == 302
