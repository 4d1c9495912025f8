"""`diemcau site-links`: the console link of every site under a node, to an Excel file."""

from pathlib import Path

import click


@click.command("site-links")
@click.argument("node", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Excel file to write (.xlsx).",
)
@click.option(
    "--reissue",
    "reissue_code",
    default=None,
    metavar="SITE",
    help="Give SITE a new link; the old one stops working.",
)
@click.option(
    "--base-url",
    default=None,
    help="Address the sites open (default: DIEMCAU_PUBLIC_URL or http://127.0.0.1:8000).",
)
@click.option("--as-user", "as_user", default=None, help="Within this user's scope.")
def site_links_cmd(
    node: str | None, output: Path | None, reissue_code: str | None, base_url: str | None,
    as_user: str | None,
) -> None:  # fmt: skip
    """Export the console links of the sites under NODE (a unit code; all when omitted)."""
    from diemcau.clikit import fail, progress_bar, scope_for_cli, setup

    setup()
    from diemcau import publicurl
    from diemcau.console import links
    from diemcau.errors import DomainError

    base = base_url or publicurl.base()
    if not base_url and (warning := publicurl.warning_for(base)):
        click.echo(warning, err=True)
    scope = scope_for_cli(as_user)
    try:
        if reissue_code:
            row = links.reissue(scope, reissue_code, base)
            click.echo(f"Đường dẫn mới của {row.code}: {row.url}")
            return
        if output is None:
            fail("Hãy cho tên tệp Excel: -o duong-dan.xlsx")
            return
        with progress_bar("Đường dẫn điểm cầu") as progress:
            rows = links.links_for(scope, node, base, progress=progress)
    except DomainError as exc:
        fail(exc.message)
        return
    output.write_bytes(links.to_xlsx(rows))
    click.echo(f"Đã ghi {len(rows)} đường dẫn vào {output}")


def register(group: click.Group) -> None:
    group.add_command(site_links_cmd)
