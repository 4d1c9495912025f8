"""The `diemcau` command: one entry point for organisers and operators.

Django is set up lazily inside each command so `diemcau --help` answers instantly even before the
database exists.
"""

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    import django

    django.setup()
    from django.utils import translation

    translation.activate(os.environ.get("DIEMCAU_LANG", "vi"))


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A click progress bar fed by services' (done, total) callbacks."""
    bars: list[Any] = []
    done_so_far = [0]

    def update(done: int, total: int) -> None:
        if not bars:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            bars.append(bar)
        bars[0].update(done - done_so_far[0])
        done_so_far[0] = done

    try:
        yield update
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    raise SystemExit(1)


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
    _setup()
    from diemcau.units.services import load_units

    started = time.perf_counter()
    with _progress("Đơn vị hành chính") as progress:
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
    _setup()
    from diemcau.accounts.services import AccountError, add_user

    try:
        result = add_user(name, role, scope, password=password, email=email)
    except AccountError as exc:
        _fail(str(exc))
        return
    verb = "Đã tạo" if result.created else "Đã cấp thêm quyền cho"
    click.echo(f"{verb} người dùng {result.username} ({role}{' ' + scope if scope else ''}).")
    if result.password and not password:
        click.echo(f"Mật khẩu: {result.password}")


@main.command("token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (e.g. the agent's site).")
def token_cmd(name: str, label: str) -> None:
    """Issue an API bearer token for user NAME; it is shown only once."""
    _setup()
    from diemcau.accounts.services import AccountError, issue_token

    try:
        click.echo(issue_token(name, label))
    except AccountError as exc:
        _fail(str(exc))


@main.group("import")
def import_group() -> None:
    """Bulk imports from XLSX or CSV files."""


def _register_app_commands() -> None:
    """Apps that own a command add it here; their modules import only click at load time."""
    from diemcau.agent.cli import register as register_agent
    from diemcau.assessment.completion_cli import register as register_completion
    from diemcau.console.cli import register as register_console
    from diemcau.delegates.cli import register as register_delegates
    from diemcau.delegates.cli_data import register as register_data
    from diemcau.reports.cli import register as register_reports
    from diemcau.simulation.cli import register as register_simulation
    from diemcau.streaming.cli import register as register_streaming

    register_delegates(import_group)
    register_agent(main)
    register_simulation(main)
    register_reports(main)
    register_streaming(main)
    register_console(main)
    register_completion(main)
    register_data(main)


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
def import_sites_cmd(file: Path, dry_run: bool, skip_bad: bool, as_user: str | None) -> None:
    """Import sites from FILE (.xlsx or .csv with Vietnamese headers)."""
    _setup()
    from diemcau.sites.importing import import_sites

    scope = _scope_for_cli(as_user)
    started = time.perf_counter()
    with _progress("Đang kiểm tra và nhập") as progress:
        report = import_sites(scope, file, dry_run=dry_run, skip_bad=skip_bad, progress=progress)
    elapsed = time.perf_counter() - started
    for error in report.errors:
        click.echo(error.describe(), err=True)
    click.echo(report.summary())
    rate = report.total_rows / elapsed if elapsed else 0.0
    click.echo(f"{report.total_rows} dòng trong {elapsed:.2f} s ({rate:,.0f} dòng/s)")
    if report.errors and not skip_bad:
        raise SystemExit(1)


@main.group("export")
def export_group() -> None:
    """Exports to XLSX or CSV."""


@export_group.command("sites")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--province", default=None, help="Only this province (code).")
@click.option("--as-user", "as_user", default=None, help="Export within this user's scope.")
def export_sites_cmd(file: Path, province: str | None, as_user: str | None) -> None:
    """Export sites to FILE; the format follows its extension (.xlsx or .csv)."""
    _setup()
    from diemcau.sites.exporting import export_sites
    from diemcau.sites.services import SiteFilters

    fmt = file.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        _fail("Tên tệp phải có đuôi .xlsx hoặc .csv")
    scope = _scope_for_cli(as_user)
    with file.open("wb") as out:
        count = export_sites(scope, SiteFilters(province=province), fmt, out)
    click.echo(f"Đã xuất {count} điểm cầu vào {file}")


@export_group.command("sites-template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_sites_template_cmd(file: Path) -> None:
    """Write an XLSX template for `diemcau import sites` to FILE (headers, example, guide)."""
    _setup()
    from diemcau.sites.exporting import write_template

    if file.suffix.lower() != ".xlsx":
        _fail("Tên tệp mẫu phải có đuôi .xlsx")
    with file.open("wb") as out:
        write_template(out)
    click.echo(f"Đã ghi tệp mẫu nhập điểm cầu vào {file}")


@main.command("demo-data")
@click.option("--sites", "n_sites", default=11_000, show_default=True, help="Number of sites.")
@click.option("--seed", default=2025, show_default=True, help="Seed: same seed, same network.")
def demo_data_cmd(n_sites: int, seed: int) -> None:
    """Build a deterministic demo network of sites over the real tree (replaces demo sites)."""
    _setup()
    from diemcau.sites.demo import load_demo_sites
    from diemcau.units.models import Unit
    from diemcau.units.services import load_units

    if not Unit.objects.exists():
        load_units()
    started = time.perf_counter()
    with _progress("Điểm cầu mẫu") as progress:
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
def up_cmd(host: str, port: int, workers: int, threads: int, no_demo: bool) -> None:
    """Migrate, load units, load the demo conference if empty, then serve."""
    _setup()
    from django.core.management import call_command

    from diemcau.sites.models import Site
    from diemcau.units.services import load_units

    call_command("migrate", interactive=False, verbosity=0)
    result = load_units()
    click.echo(f"Đơn vị hành chính: {result.total} ({result.created} mới)")
    if not no_demo and not Site.objects.exists():
        from diemcau.sites.demo import load_demo_accounts, load_demo_sites

        with _progress("Điểm cầu mẫu") as progress:
            count = load_demo_sites(11_000, 2025, progress=progress)
        click.echo(f"Đã tạo {count} điểm cầu mẫu.")
        for line in load_demo_accounts():
            click.echo(line)
    if not no_demo:
        from diemcau.programme.demo import load_demo_programme

        click.echo(load_demo_programme())
    from diemcau.tasks.services import reap_orphans

    if reaped := reap_orphans():
        click.echo(f"{reaped} tác vụ nền bị dừng giữa chừng ở lần chạy trước: đã đánh dấu lỗi.")
    click.echo(f"diemcau đang chạy tại http://{host}:{port}/ (Ctrl+C để dừng)")
    serve(host, port, workers, threads)


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


def _scope_for_cli(username: str | None) -> Any:
    """The CLI runs as the server's operator (everything) unless --as-user narrows it."""
    from django.contrib.auth import get_user_model

    from diemcau.accounts.scopes import Scope, scope_for

    if username is None:
        return Scope(user_id=0, everything=True)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        _fail(f"Không có người dùng {username}")
    return scope_for(user)


@main.command("manage", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage_cmd(args: tuple[str, ...]) -> None:
    """Run a Django management command (migrate, createsuperuser, shell…)."""
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["diemcau manage", *args])


if __name__ == "__main__":
    main()
