"""`diemcau export delegates|attendance|learning NODE -o FILE.xlsx|.csv` and
`diemcau import-attendance FILE --session ID [--dry-run]`: lists out and back in from a shell."""

from pathlib import Path

import click

from diemcau.clikit import force_size_option

HELP = {
    "delegates": "Write the delegates of NODE (a unit code, TW = the nation, or a site code).",
    "attendance": "Write NODE's delegates with their attendance, one column per session.",
    "learning": "Write NODE's delegates with their quiz, learning report and certificate.",
}


def _command(identifier: str) -> click.Command:
    @click.command(identifier, help=HELP[identifier])
    @click.argument("node", default="TW")
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help="FILE.xlsx or FILE.csv",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["xlsx", "csv"]),
        default=None,
        help="Default: from the file's extension.",
    )
    @click.option("--conference", default=None, help="Conference short name (default: the latest).")
    @click.option("--as-user", "as_user", default=None, help="Within this user's scope.")
    def run(
        node: str, output: Path, fmt: str | None, conference: str | None, as_user: str | None
    ) -> None:
        export(identifier, node, output, fmt=fmt, conference=conference, as_user=as_user)

    return run  # fmt: skip


def export(
    identifier: str,
    node: str,
    output: Path,
    *,
    fmt: str | None,
    conference: str | None,
    as_user: str | None,
) -> None:
    """Write the list with a progress bar; a Vietnamese message and exit 1 when refused."""
    from diemcau.clikit import fail, progress_bar, scope_for_cli, setup

    setup()
    from diemcau.errors import DomainError
    from diemcau.exports import services

    kind = fmt or output.suffix.lstrip(".").lower()
    if kind not in services.CONTENT_TYPES:
        fail("Hãy đặt đuôi tệp .xlsx hoặc .csv (hoặc chọn --format).")
    options = {"conference": conference} if conference else {}
    try:
        with progress_bar("Đang xuất danh sách") as progress:
            result = services.run_export(
                scope_for_cli(as_user),
                identifier,
                node=node,
                fmt=kind,
                options=options,
                out=output,
                progress=progress,
            )
    except DomainError as exc:
        fail(exc.message)
    sheets = f", {len(result.sheets)} trang tính" if len(result.sheets) > 1 else ""
    rows = f"{result.rows:,}".replace(",", ".")
    click.echo(f"Đã ghi {output}: {rows} dòng{sheets} ({result.node_name}).")


@click.command("import-attendance")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--session", type=int, default=None, help="Session id, unless the file has a column.")
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
@click.option("--as-user", "as_user", default=None, help="Within this user's scope.")
@force_size_option
def import_attendance_cmd(
    file: Path, session: int | None, dry_run: bool, as_user: str | None, force_size: bool
) -> None:
    """Check in the people of a paper sign-in list (XLSX or CSV) as "from a list"."""
    from diemcau.clikit import check_import_size, fail, progress_bar, scope_for_cli, setup

    setup()
    check_import_size(file, force_size)
    from diemcau.attendance.paperlist import import_list
    from diemcau.audit.services import record_import
    from diemcau.errors import DomainError

    scope = scope_for_cli(as_user)
    try:
        with progress_bar("Đang đọc danh sách") as progress:
            report = import_list(
                scope,
                file,
                session=session,
                dry_run=dry_run,
                user_id=scope.user_id or None,
                progress=progress,
            )
    except DomainError as exc:
        fail(exc.message)
    if report.fatal:
        fail(report.fatal)
    record_import("attendance-list", report, scope=scope, filename=file.name)
    for error in report.errors:
        click.echo(f"Dòng {error['row']}: {error['reason']}", err=True)
    if report.errors_truncated:
        click.echo(f"… và {report.bad - len(report.errors)} dòng lỗi khác.", err=True)
    click.echo(report.summary())


def register(export_group: click.Group, main: click.Group) -> None:
    """`diemcau export delegates|attendance|learning …` beside `export sites`; and the import."""
    for identifier in HELP:
        export_group.add_command(_command(identifier))
    main.add_command(import_attendance_cmd)
