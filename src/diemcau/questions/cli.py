"""`diemcau questions`: merge proposals for moderators from the command line.

diemcau questions propose-merges [--limit 50] [--json] [--as-user NAME] [--compute]
diemcau questions propose-merges --accept 12:40 --accept 7:9   # merge 40 into 12, 9 into 7
diemcau questions propose-merges --dismiss 12:40 [--restore 7:9]   # "Không gộp", and undo

The list is the stored batch (the page's); --compute recomputes it first, here and now (the
page starts the same computation as a background task). Nothing stored yet: computed first. The
first line says when the batch was computed and how many of its proposals are outdated (their
clusters changed since: not listed); with --json it goes to stderr.
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
@click.option(
    "--dismiss",
    "dismissals",
    multiple=True,
    metavar="TARGET:SOURCE",
    help="Do not merge: the pair is no longer proposed (repeatable).",
)
@click.option(
    "--restore",
    "restores",
    multiple=True,
    metavar="TARGET:SOURCE",
    help="Undo a dismissal: the pair is proposed again (repeatable).",
)
@click.option("--compute", is_flag=True, help="Recompute the proposals before listing them.")
@click.option("--as-user", "as_user", default=None, help="Within this user's moderation scope.")
def propose_merges_cmd(
    *,
    limit: int,
    as_json: bool,
    accepts: tuple[str, ...],
    dismissals: tuple[str, ...],
    restores: tuple[str, ...],
    compute: bool,
    as_user: str | None,
) -> None:
    """List the clusters that look like one question (or merge the ones named by --accept)."""
    from diemcau.clikit import fail, scope_for_cli, setup

    setup()
    from django.contrib.auth import get_user_model

    from diemcau.errors import Forbidden, Invalid, NotFound
    from diemcau.questions.models import MergeProposalBatch
    from diemcau.questions.services import merge_offers

    scope = scope_for_cli(as_user)
    user = get_user_model().objects.filter(username=as_user).first() if as_user else None
    actions = [("accept", p) for p in accepts] + [("dismiss", p) for p in dismissals]
    actions += [("restore", p) for p in restores]
    for action, pair in actions:
        target, _sep, source = pair.partition(":")
        if not (target.isdigit() and source.isdigit()):
            fail(f"--{action} cần dạng ĐÍCH:NGUỒN (số cụm), không phải {pair!r}")
            return
        try:
            if action == "accept":
                merge_offers.accept(scope, int(target), int(source))
                click.echo(f"Đã gộp cụm {source} vào cụm {target}.")
            elif action == "dismiss":
                merge_offers.dismiss(scope, user, int(target), int(source))
                click.echo(f"Không gộp cụm {source} vào cụm {target}: không đề xuất nữa.")
            else:
                merge_offers.restore(scope, user, int(target), int(source))
                click.echo(f"Cụm {source} và cụm {target} được đề xuất gộp lại.")
        except (Forbidden, Invalid, NotFound) as exc:
            fail(f"Không làm được với cụm {source} và {target}: {exc}")
            return
    if actions:
        return
    if compute or not MergeProposalBatch.objects.exists():
        merge_offers.compute()
    stored = merge_offers.stored_offers(scope, limit=limit)
    offers = stored.offers
    # when, and what the batch no longer offers: stderr, so --json stays a plain list
    click.echo(merge_offers.batch_line(stored), err=as_json)
    if as_json:
        click.echo(json.dumps([merge_offers.as_dict(o) for o in offers], ensure_ascii=False))
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
