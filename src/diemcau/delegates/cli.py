"""`diemcau import delegates FILE`: added to the `import` group of diemcau.cli by `register`.

Kept here so that the delegates app owns its command; diemcau.cli calls
`register(import_group)` once. Django is set up lazily inside the command, as everywhere in the CLI.
"""

import time
from pathlib import Path

import click


def register(import_group: click.Group, main: click.Group | None = None) -> None:
    """Add `diemcau import delegates` and, given the top-level group, `diemcau badges`."""
    import_group.add_command(import_delegates_cmd)
    if main is not None:
        main.add_command(badges_cmd)


@click.command("delegates")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--skip-bad", is_flag=True, help="Write the good rows even if some rows are bad.")
@click.option(
    "--as-user",
    "as_user",
    default=None,
    help="Import within this user's scope (default: everything, as the operator of the server).",
)
@click.option(
    "--max-errors",
    default=200,
    show_default=True,
    help="Print at most this many row errors (the summary counts them all).",
)
@click.option(
    "--force-size",
    is_flag=True,
    help="Import a file larger than the upload limit (DIEMCAU_UPLOAD_MAX_MB, default 50).",
)
def import_delegates_cmd(
    file: Path,
    *,
    dry_run: bool,
    skip_bad: bool,
    as_user: str | None,
    max_errors: int,
    force_size: bool,
) -> None:
    """Import delegates from FILE (.xlsx or .csv; see GET /api/v1/delegates/template.xlsx)."""
    from diemcau.clikit import check_import_size, progress_bar, scope_for_cli, setup

    setup()
    check_import_size(file, force_size)
    from diemcau.audit.services import record_import
    from diemcau.delegates.importing import import_delegates

    scope = scope_for_cli(as_user)
    started = time.perf_counter()
    with progress_bar("Đang kiểm tra và nhập đại biểu") as progress:
        report = import_delegates(
            scope, file, dry_run=dry_run, skip_bad=skip_bad, progress=progress
        )
    record_import("delegates", report, scope=scope, filename=file.name)
    elapsed = time.perf_counter() - started
    errors = sorted(report.errors, key=lambda e: e.row)
    for error in errors[:max_errors]:
        click.echo(error.describe(), err=True)
    if len(errors) > max_errors or report.bad_rows > len(errors):
        click.echo(f"… và các lỗi khác ở tổng cộng {report.bad_rows} dòng.", err=True)
    click.echo(report.summary())
    rate = report.total_rows / elapsed if elapsed else 0.0
    click.echo(f"{report.total_rows} dòng trong {elapsed:.2f} s ({rate:,.0f} dòng/s)")
    if not report.ok:
        raise SystemExit(1)


@click.command("badges")
@click.argument("site_code")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="PDF file to write (default: the-dai-bieu-SITE_CODE.pdf).",
)
@click.option(
    "--as-user",
    "as_user",
    default=None,
    help="Print within this user's scope (default: everything, as the operator of the server).",
)
def badges_cmd(site_code: str, output: Path | None, as_user: str | None) -> None:
    """Print the badges of site SITE_CODE: A4 PDF, 8 per page with cut marks and QR codes."""
    from diemcau.clikit import progress_bar, scope_for_cli, setup

    setup()
    from diemcau import publicurl
    from diemcau.delegates import services
    from diemcau.delegates.badges import badge_sheet
    from diemcau.errors import Forbidden, NotFound

    scope = scope_for_cli(as_user)
    try:
        site, rows = services.badge_rows(scope, site_code)
    except (NotFound, Forbidden) as exc:
        raise click.ClickException(exc.message) from exc
    target = output or Path(f"the-dai-bieu-{site.code}.pdf")
    if warning := publicurl.warning_for(publicurl.base()):  # the QR codes hold this address
        click.echo(warning, err=True)
    started = time.perf_counter()
    with progress_bar(f"Đang in thẻ đại biểu của {site.name}") as progress:
        pdf = badge_sheet(
            rows,
            conference=services.conference_name(),
            site=site.name,
            total=len(rows),
            progress=progress,
        )
    target.write_bytes(pdf)
    elapsed = time.perf_counter() - started
    pages = max(1, -(-len(rows) // 8))
    click.echo(
        f"{target}: {len(rows)} thẻ, {pages} trang, {len(pdf) / 1e6:.1f} MB trong {elapsed:.2f} s"
    )
