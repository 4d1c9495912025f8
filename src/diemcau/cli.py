"""The `diemcau` command: one entry point for organisers and operators.

Django is set up lazily inside each command so `diemcau --help` answers instantly even before the
database exists.
"""

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from diemcau.clikit import (
    check_import_size,
    fail,
    force_size_option,
    progress_bar,
    scope_for_cli,
    setup,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="diemcau")
def main() -> None:
    """diemcau — vận hành hội nghị trực tuyến toàn quốc (sites, units, roles, delegates).

    Settings come from the environment: DATABASE_URL (default: SQLite in ./data),
    REDIS_URL (optional), DIEMCAU_DATA_DIR, DIEMCAU_SECRET_KEY.
    """


@main.command("load-units")
def load_units_cmd() -> None:
    """Load or refresh the administrative tree (34 provinces, 3,321 communes, bodies)."""
    setup()
    from diemcau.units.services import load_units

    started = time.perf_counter()
    with progress_bar("Đơn vị hành chính") as progress:
        result = load_units(progress)
    click.echo(
        f"Đơn vị: {result.total} ({result.created} mới, {result.updated} cập nhật, "
        f"{result.unchanged} không đổi) trong {time.perf_counter() - started:.2f} s"
    )


@main.group("user")
def user_group() -> None:
    """Manage people and their roles."""


@user_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    help="central_organiser | province_organiser | site_operator | sector_answerer | viewer",
)
@click.option(
    "--scope",
    default=None,
    help="Province code (province_organiser, viewer), site codes separated by commas "
    "(site_operator) or sector code (sector_answerer).",
)
@click.option("--password", default=None, help="Password; generated and shown when omitted.")
@click.option("--email", default="", help="Email address.")
def user_add(name: str, role: str, scope: str | None, password: str | None, email: str) -> None:
    """Create user NAME (if new) and grant ROLE within SCOPE."""
    setup()
    from diemcau.accounts.services import AccountError, add_user

    try:
        result = add_user(name, role, scope, password=password, email=email)
    except AccountError as exc:
        fail(str(exc))
        return
    verb = "Đã tạo" if result.created else "Đã cấp thêm quyền cho"
    click.echo(f"{verb} người dùng {result.username} ({role}{' ' + scope if scope else ''}).")
    if result.password and not password:
        click.echo(f"Mật khẩu: {result.password}")


class _TokenGroup(click.Group):
    """`diemcau token NAME` still issues a token: a first word that is no subcommand is a name
    (a user called "list" or "revoke" gets theirs with `diemcau token issue list`)."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["issue", *args]
        return super().resolve_command(ctx, args)


@main.group("token", cls=_TokenGroup, invoke_without_command=False)
def token_group() -> None:
    """API bearer tokens: `diemcau token NAME` issues one; list and revoke them."""


@token_group.command("issue")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (e.g. the agent's site).")
def token_issue(name: str, label: str) -> None:
    """Issue an API bearer token for user NAME; it is shown only once."""
    setup()
    from diemcau.accounts.services import AccountError, issue_token

    try:
        click.echo(issue_token(name, label))
    except AccountError as exc:
        fail(str(exc))


def _when(value: Any) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


@token_group.command("list")
@click.option("--user", "username", default=None, help="Only this user's tokens.")
@click.option("--as-user", "as_user", default=None, help="Within this user's scope.")
def token_list(username: str | None, as_user: str | None) -> None:
    """List tokens: prefix, user, label, created, last used, revoked."""
    setup()
    from diemcau.accounts import revocation
    from diemcau.errors import DomainError

    try:
        rows = revocation.tokens(scope_for_cli(as_user), username)
    except DomainError as exc:
        fail(exc.message)
        return
    click.echo("Mã đầu\tNgười dùng\tNhãn\tTạo lúc\tDùng lần cuối\tThu hồi lúc")
    for t in rows:
        click.echo(
            f"{t.prefix}…\t{t.user.get_username()}\t{t.label or '—'}\t{_when(t.created_at)}"
            f"\t{_when(t.last_used_at)}\t{_when(t.revoked_at)}"
        )
    live = sum(1 for t in rows if t.revoked_at is None)
    click.echo(f"{len(rows)} mã truy cập ({live} còn hiệu lực, {len(rows) - live} đã thu hồi).")


@token_group.command("revoke")
@click.argument("prefix", required=False)
@click.option("--user", "username", default=None, help="Revoke every token of this user.")
@click.option("--as-user", "as_user", default=None, help="Within this user's scope.")
def token_revoke(prefix: str | None, username: str | None, as_user: str | None) -> None:
    """Revoke the token starting with PREFIX (as `token list` shows it), or all of --user's.

    It stops working at once, on every server, the heartbeat path included.
    """
    setup()
    from diemcau.accounts import revocation
    from diemcau.errors import DomainError

    if (prefix is None) == (username is None):
        fail("Hãy cho mã đầu (PREFIX) của một mã truy cập, hoặc --user TÊN.")
        return
    scope = scope_for_cli(as_user)
    actor = _actor_for_cli(as_user)
    try:
        if username is not None:
            count = revocation.revoke_user_tokens(scope, username, actor=actor)
            click.echo(f"Đã thu hồi {count} mã truy cập của {username}.")
        else:
            token = revocation.revoke_token(scope, str(prefix), actor=actor)
            click.echo(f"Đã thu hồi mã truy cập {token.prefix}… của {token.user.get_username()}.")
    except DomainError as exc:
        fail(exc.message)


def _actor_for_cli(username: str | None) -> Any:
    """Who the audit trail names for a CLI change: the --as-user person, else nobody (system)."""
    if username is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()


def _user_change(action: Callable[..., Any], name: str, as_user: str | None, **kwargs: Any) -> Any:
    from diemcau.errors import DomainError

    try:
        return action(scope_for_cli(as_user), name, actor=_actor_for_cli(as_user), **kwargs)
    except DomainError as exc:
        fail(exc.message)


_AS_USER_HELP = "Act within this user's scope (default: everything, as the server's operator)."


@user_group.command("deactivate")
@click.argument("name")
@click.option("--as-user", "as_user", default=None, help=_AS_USER_HELP)
def user_deactivate(name: str, as_user: str | None) -> None:
    """Deactivate NAME: signed out everywhere now; password, tokens and sessions stop working."""
    setup()
    from diemcau.accounts import revocation

    ended = _user_change(revocation.deactivate, name, as_user)
    click.echo(f"Đã khóa tài khoản {name}; đã đăng xuất {ended} phiên đang mở.")


@user_group.command("activate")
@click.argument("name")
@click.option("--as-user", "as_user", default=None, help=_AS_USER_HELP)
def user_activate(name: str, as_user: str | None) -> None:
    """Activate NAME again (tokens revoked meanwhile stay revoked)."""
    setup()
    from diemcau.accounts import revocation

    _user_change(revocation.activate, name, as_user)
    click.echo(f"Đã mở lại tài khoản {name}.")


@user_group.command("grants")
@click.argument("name")
@click.option("--as-user", "as_user", default=None, help=_AS_USER_HELP)
def user_grants(name: str, as_user: str | None) -> None:
    """List NAME's grants: id, role, scope."""
    setup()
    from diemcau.accounts import revocation

    grants = _user_change(lambda scope, n, actor: revocation.grants_of(scope, n), name, as_user)
    for grant in grants:
        click.echo(f"{grant.pk}\t{grant.role}\t{revocation.describe_grant(grant) or '—'}")
    click.echo(f"{name}: {len(grants)} quyền.")


@user_group.command("remove-grant")
@click.argument("name")
@click.option("--role", default=None, help="The role of the grant to remove.")
@click.option("--scope", "scope_code", default=None, help="Its scope (as `user grants` shows).")
@click.option("--id", "grant_id", type=int, default=None, help="Or the grant's id.")
@click.option("--as-user", "as_user", default=None, help=_AS_USER_HELP)
def user_remove_grant(
    name: str, role: str | None, scope_code: str | None, grant_id: int | None, as_user: str | None
) -> None:
    """Remove one of NAME's grants (by --role [--scope] or --id); takes effect at once."""
    setup()
    from diemcau.accounts import revocation

    count = _user_change(
        revocation.remove_grant, name, as_user, grant_id=grant_id, role=role, scope_code=scope_code
    )
    click.echo(f"Đã gỡ {count} quyền của {name}.")


@main.group("import")
def import_group() -> None:
    """Bulk imports from XLSX or CSV files."""


@main.group("export")
def export_group() -> None:
    """Exports to XLSX or CSV."""


def _register_app_commands() -> None:
    """Apps that own a command add it here; their modules import only click at load time."""
    from diemcau.accounts.cli_signin import register as register_signin
    from diemcau.agent.cli import register as register_agent
    from diemcau.alerts.cli import register as register_alerts
    from diemcau.assessment.completion.cli import register as register_completion
    from diemcau.backup.cli import register as register_backup
    from diemcau.console.cli import register as register_console
    from diemcau.delegates.cli import register as register_delegates
    from diemcau.delegates.cli_data import register as register_data
    from diemcau.deploy.cli import register as register_deploy
    from diemcau.exports.cli import register as register_exports
    from diemcau.notifications.cli import register as register_notify
    from diemcau.questions.cli import register as register_questions
    from diemcau.reports.cli import register as register_reports
    from diemcau.simulation.cli import register as register_simulation
    from diemcau.simulation.cli_demo import register as register_demo_day
    from diemcau.streaming.cli import register as register_streaming
    from diemcau.tasks.cli import register as register_worker

    register_delegates(import_group, main)
    register_signin(user_group)
    register_agent(main)
    register_simulation(main)
    register_demo_day(main)
    register_reports(main)
    register_streaming(main)
    register_worker(main)
    register_alerts(main)
    register_backup(main)
    register_deploy(main)
    register_console(main)
    register_completion(main)
    register_data(main)
    register_exports(export_group, main)
    register_notify(main)
    register_questions(main)


_register_app_commands()


@import_group.command("sites")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--skip-bad", is_flag=True, help="Write the good rows even if some rows are bad.")
@click.option(
    "--as-user",
    "as_user",
    default=None,
    help="Import within this user's scope (default: everything, as the operator of the server).",
)
@force_size_option
def import_sites_cmd(
    file: Path, dry_run: bool, skip_bad: bool, as_user: str | None, force_size: bool
) -> None:
    """Import sites from FILE (.xlsx or .csv with Vietnamese headers)."""
    setup()
    check_import_size(file, force_size)
    from diemcau.audit.services import record_import
    from diemcau.sites.importing import import_sites

    scope = scope_for_cli(as_user)
    started = time.perf_counter()
    with progress_bar("Đang kiểm tra và nhập") as progress:
        report = import_sites(scope, file, dry_run=dry_run, skip_bad=skip_bad, progress=progress)
    record_import("sites", report, scope=scope, filename=file.name)
    elapsed = time.perf_counter() - started
    for error in report.errors:
        click.echo(error.describe(), err=True)
    click.echo(report.summary())
    rate = report.total_rows / elapsed if elapsed else 0.0
    click.echo(f"{report.total_rows} dòng trong {elapsed:.2f} s ({rate:,.0f} dòng/s)")
    if not report.ok:
        raise SystemExit(1)


@export_group.command("sites")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--province", default=None, help="Only this province (code).")
@click.option("--as-user", "as_user", default=None, help="Export within this user's scope.")
def export_sites_cmd(file: Path, province: str | None, as_user: str | None) -> None:
    """Export sites to FILE; the format follows its extension (.xlsx or .csv)."""
    setup()
    from diemcau.audit.services import record_export
    from diemcau.sites.exporting import export_sites
    from diemcau.sites.services import SiteFilters

    fmt = file.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        fail("Tên tệp phải có đuôi .xlsx hoặc .csv")
    scope = scope_for_cli(as_user)
    with file.open("wb") as out:
        count = export_sites(scope, SiteFilters(province=province), fmt, out)
    record_export("sites", count, scope=scope, detail=file.name)
    click.echo(f"Đã xuất {count} điểm cầu vào {file}")


@export_group.command("sites-template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_sites_template_cmd(file: Path) -> None:
    """Write an XLSX template for `diemcau import sites` to FILE (headers, example, guide)."""
    setup()
    from diemcau.sites.exporting import write_template

    if file.suffix.lower() != ".xlsx":
        fail("Tên tệp mẫu phải có đuôi .xlsx")
    with file.open("wb") as out:
        write_template(out)
    click.echo(f"Đã ghi tệp mẫu nhập điểm cầu vào {file}")


@main.command("demo-data")
@click.option("--sites", "n_sites", default=11_000, show_default=True, help="Number of sites.")
@click.option("--seed", default=2025, show_default=True, help="Seed: same seed, same network.")
def demo_data_cmd(n_sites: int, seed: int) -> None:
    """Build a deterministic demo network of sites over the real tree (replaces demo sites)."""
    setup()
    from diemcau.sites.demo import load_demo_sites
    from diemcau.units.models import Unit
    from diemcau.units.services import load_units

    if not Unit.objects.exists():
        load_units()
    started = time.perf_counter()
    with progress_bar("Điểm cầu mẫu") as progress:
        count = load_demo_sites(n_sites, seed, progress=progress)
    click.echo(f"Đã tạo {count} điểm cầu mẫu trong {time.perf_counter() - started:.2f} s")


@main.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=2, show_default=True, help="granian WSGI worker processes.")
@click.option(
    "--threads",
    default=16,
    show_default=True,
    help="Request threads per worker (requests mostly wait on the database).",
)
@click.option("--no-demo", is_flag=True, help="Do not load demo data into an empty database.")
@click.option(
    "--no-demo-day",
    is_flag=True,
    help="Do not play the simulated day in the background (also DIEMCAU_DEMO_DAY=0).",
)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Do not start a background-job worker beside the server (run `diemcau worker`).",
)
def up_cmd(  # noqa: PLR0917 - click passes every option by keyword
    host: str,
    port: int,
    workers: int,
    threads: int,
    no_demo: bool,
    no_demo_day: bool,
    no_worker: bool,
) -> None:
    """Migrate, load units, load the living demo (a session on now), start the demo day, serve."""
    setup()
    from django.conf import settings

    from diemcau.sites.models import Site

    click.echo(prepare_database())
    demo = not no_demo and settings.DIEMCAU_DEMO
    if demo and not Site.objects.exists():
        from diemcau.sites.demo import load_demo_accounts, load_demo_sites

        with progress_bar("Điểm cầu mẫu") as progress:
            count = load_demo_sites(11_000, 2025, progress=progress)
        click.echo(f"Đã tạo {count} điểm cầu mẫu.")
        for line in load_demo_accounts():
            click.echo(line)
    if demo:
        from diemcau.simulation.cli_demo import load_demo, start_in_background

        load_demo(host, port)
        if not no_demo_day:
            start_in_background(host, port, Path(settings.DATA_DIR))
    if not no_worker:
        from diemcau.tasks.cli import start_beside_server

        start_beside_server(Path(settings.DATA_DIR))
    from diemcau.metrics.procdir import prepare

    prepare(Path(settings.DATA_DIR))
    click.echo(f"diemcau đang chạy tại http://{host}:{port}/ (Ctrl+C để dừng)")
    serve(host, port, workers, threads)


def prepare_database() -> str:
    """Migrate and load the administrative units; a fresh embedded database starts from the
    template of the same migrations when there is one (see dbtemplate.py) and leaves one when
    there is not. The line to print."""
    from django.core.management import call_command

    from diemcau import dbtemplate
    from diemcau.units.services import load_units

    started = time.perf_counter()
    fresh = dbtemplate.fresh()
    copied = fresh and dbtemplate.restore()
    call_command("migrate", interactive=False, verbosity=0)
    result = load_units()
    if fresh and not copied:
        dbtemplate.save()  # the next fresh data folder starts from this copy
    how = " (chép từ bản mẫu đã chuyển đổi)" if copied else ""
    return (
        f"Cơ sở dữ liệu sẵn sàng trong {time.perf_counter() - started:.1f} s{how}; "
        f"đơn vị hành chính: {result.total} ({result.created} mới)"
    )


def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Hand the process to granian in WSGI mode."""
    args = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "diemcau.wsgi:application",
    ]
    os.execv(sys.executable, args)  # noqa: S606 - fixed argv, no shell


@main.command("manage", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage_cmd(args: tuple[str, ...]) -> None:
    """Run a Django management command (migrate, createsuperuser, shell…)."""
    setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["diemcau manage", *args])


if __name__ == "__main__":
    main()
