"""`diemcau report NODE --format xlsx|pdf|csv|json -o FILE`: the report of a node, to a file."""

from pathlib import Path

import click


@click.command("report")
@click.argument("node", default="TW")
@click.option("--session", type=int, default=None, help="Session id (default: the conference).")
@click.option(
    "--conference", type=int, default=None,
    help="Conference id (default: today's, else the latest begun).",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "pdf", "csv", "json"]), default=None,
    help="Default: from the file's extension.",
)  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as-user", "as_user", default=None, help="Within this user's scope.")
def report_cmd(  # noqa: PLR0917 (click passes every option by keyword)
    node: str,
    session: int | None,
    conference: int | None,
    fmt: str | None,
    output: Path,
    as_user: str | None,
) -> None:
    """Write the report of NODE (a unit code; TW = the nation) as Excel, PDF, CSV or JSON."""
    from diemcau.clikit import fail, scope_for_cli, setup

    setup()
    from diemcau.errors import NotFound
    from diemcau.reports import files, services

    kind = fmt or output.suffix.lstrip(".").lower()
    if kind not in files.FORMATS:
        fail("Hãy chọn --format xlsx, pdf, csv hoặc json (hoặc đặt đuôi tệp tương ứng).")
    # Progress on stderr, one step per table and one for the file: stdout keeps the result.
    steps = [1]

    def progress(done: int, total: int) -> None:
        steps[0] = total + 1
        percent = 100 * done // steps[0]
        click.echo(f"\rĐang lập báo cáo… {done}/{steps[0]} ({percent}%)", err=True, nl=False)

    try:
        data = services.report(
            scope_for_cli(as_user), node, session, progress=progress, conference_id=conference
        )
    except NotFound as exc:
        click.echo("", err=True)
        fail(exc.message)
    content = files.render(data, kind)
    click.echo(f"\rĐang lập báo cáo… {steps[0]}/{steps[0]} (100%)", err=True)
    output.write_bytes(content)
    click.echo(f"Đã ghi {output} — {data['headline']}")


def register(main: click.Group) -> None:
    main.add_command(report_cmd)
