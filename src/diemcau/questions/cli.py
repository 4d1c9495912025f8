"""`diemcau questions`: merge proposals for moderators from the command line.

diemcau questions propose-merges [--limit 50] [--json] [--as-user NAME]
diemcau questions propose-merges --accept 12:40 --accept 7:9   # merge 40 into 12, 9 into 7
"""

import json

import click


@click.group("questions")
def questions_group() -> None:
    """Questions from the sites: clusters and their moderation."""


@questions_group.command("propose-merges")
@click.option("--limit", default=50, show_default=True, help="How many proposals to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--accept",
    "accepts",
    multiple=True,
    metavar="TARGET:SOURCE",
    help="Accept a proposal: merge cluster SOURCE into TARGET (repeatable).",
)
@click.option("--as-user", "as_user", default=None, help="Within this user's moderation scope.")
def propose_merges_cmd(
    limit: int, as_json: bool, accepts: tuple[str, ...], as_user: str | None
) -> None:
    """List the clusters that look like one question (or merge the ones named by --accept)."""
    from diemcau.clikit import fail, scope_for_cli, setup

    setup()
    from diemcau.errors import Forbidden, Invalid, NotFound
    from diemcau.questions.services.merge_offers import accept, as_dict, merge_offers

    scope = scope_for_cli(as_user)
    if accepts:
        for pair in accepts:
            target, _sep, source = pair.partition(":")
            if not (target.isdigit() and source.isdigit()):
                fail(f"--accept cần dạng ĐÍCH:NGUỒN (số cụm), không phải {pair!r}")
                return
            try:
                accept(scope, int(target), int(source))
            except (Forbidden, Invalid, NotFound) as exc:
                fail(f"Không gộp được cụm {source} vào {target}: {exc}")
                return
            click.echo(f"Đã gộp cụm {source} vào cụm {target}.")
        return
    offers = merge_offers(scope, limit=limit)
    if as_json:
        click.echo(json.dumps([as_dict(o) for o in offers], ensure_ascii=False))
        return
    if not offers:
        click.echo("Không có đề xuất gộp cụm nào.")
    for offer in offers:
        click.echo(
            f"{offer.target.pk}:{offer.source.pk}  ({offer.score:.3f})\n"
            f"  {offer.target_text[:100]}\n  {offer.source_text[:100]}"
        )


def register(main: click.Group) -> None:
    main.add_command(questions_group)
