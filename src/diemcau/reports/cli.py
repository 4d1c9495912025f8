"""`diemcau report NODE --format xlsx|pdf|csv|json -o FILE`: the report of a node, to a file."""

import json
from pathlib import Path

import click


@click.command("report")
@click.argument("node", default="TW")
@click.option("--session", type=int, default=None, help="Session id (default: the conference).")
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "pdf", "csv", "json"]), default=None,
    help="Default: from the file's extension.",
)  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as-user", "as_user", default=None, help="Within this user's scope.")
def report_cmd(
    node: str, session: int | None, fmt: str | None, output: Path, as_user: str | None
) -> None:
    """Write the report of NODE (a unit code; TW = the nation) as Excel, PDF, CSV or JSON."""
    from diemcau.cli import _fail, _scope_for_cli, _setup

    _setup()
    from diemcau.errors import NotFound
    from diemcau.reports import exporting, pdf, services

    kind = fmt or output.suffix.lstrip(".").lower()
    if kind not in ("xlsx", "pdf", "csv", "json"):
        _fail("Hãy chọn --format xlsx, pdf, csv hoặc json (hoặc đặt đuôi tệp tương ứng).")
    try:
        data = services.report(_scope_for_cli(as_user), node, session)
    except NotFound as exc:
        _fail(exc.message)
    if kind == "xlsx":
        output.write_bytes(exporting.to_xlsx(data))
    elif kind == "pdf":
        output.write_bytes(pdf.to_pdf(data))
    elif kind == "csv":
        output.write_text(exporting.to_csv(data), encoding="utf-8")
    else:
        output.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(f"Đã ghi {output} — {data['headline']}")


def register(main: click.Group) -> None:
    main.add_command(report_cmd)
