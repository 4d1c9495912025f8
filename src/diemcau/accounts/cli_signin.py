"""`diemcau user unlock | reset-2fa | set-password`: an organiser at the server's console.

Registered on the `user` group by cli._register_app_commands; Django is set up inside each
command, so loading this module costs only click.
"""

from typing import Any

import click


def _setup() -> None:
    from diemcau.clikit import setup

    setup()


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    raise SystemExit(1)


def _user(name: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        _fail(f"Không có người dùng tên “{name}”.")
    return user


def register(user_group: click.Group) -> None:
    @user_group.command("unlock")
    @click.argument("name", required=False)
    @click.option("--ip", "ip_address", default=None, help="Unlock this address instead (or too).")
    def unlock_cmd(name: str | None, ip_address: str | None) -> None:
        """Lift the sign-in lockout of user NAME (every address) or of an address (--ip)."""
        if not name and not ip_address:
            _fail("Cho biết tên người dùng hoặc --ip ĐỊA_CHỈ.")
        _setup()
        from diemcau.accounts.signin import unlock

        if name:
            _user(name)
            unlock(username=name)
        if ip_address:
            unlock(ip_address=ip_address)
        who = " và ".join(x for x in (name, ip_address) if x)
        click.echo(f"Đã mở khóa đăng nhập cho {who}.")

    @user_group.command("reset-2fa")
    @click.argument("name")
    def reset_2fa_cmd(name: str) -> None:
        """Remove NAME's authenticator and recovery codes; they enrol again at next sign-in."""
        _setup()
        from diemcau.accounts.twofactor import reset_devices

        removed = reset_devices(_user(name))
        click.echo(
            f"Đã đặt lại xác thực hai bước của {name} ({removed} thiết bị/mã); "
            "người này sẽ thiết lập lại khi đăng nhập."
        )

    @user_group.command("set-password")
    @click.argument("name")
    @click.password_option(
        "--password", prompt="Mật khẩu mới", confirmation_prompt="Nhập lại mật khẩu mới"
    )
    def set_password_cmd(name: str, password: str) -> None:
        """Give NAME a new password (checked like every password; releases a demo account)."""
        _setup()
        from diemcau.accounts.services import AccountError, set_password

        try:
            set_password(name, password)
        except AccountError as exc:
            _fail(str(exc))
        click.echo(f"Đã đặt mật khẩu mới cho {name}.")
