"""`diemcau completion-counters`: recount the completion counters from the source tables.

For after a bulk load written around the services (a restore, a migration of data) or to check
the counters: the dashboard recounts stale sites by itself, this recounts everything.
"""

import click


@click.command("completion-counters")
@click.option("--conference", type=int, default=None, help="Conference id (default: every one).")
@click.option("--stale-only", is_flag=True, help="Only the sites marked stale.")
def completion_counters_cmd(conference: int | None, stale_only: bool) -> None:
    """Rebuild the per-site completion counters of a conference (or of every conference)."""
    from diemcau.clikit import setup

    setup()
    from diemcau.assessment.completion import counters as completion_counters
    from diemcau.assessment.models import AssessmentSettings

    ids = (
        [conference]
        if conference is not None
        else list(AssessmentSettings.objects.values_list("conference_id", flat=True))
    )
    for conference_id in ids:
        if stale_only:
            completion_counters.refresh_stale(conference_id)
            click.echo(f"Hội nghị {conference_id}: đã đếm lại các điểm cầu cần cập nhật.")
        else:
            sites = completion_counters.rebuild(conference_id)
            click.echo(f"Hội nghị {conference_id}: đã đếm lại {sites} điểm cầu.")


def register(main: click.Group) -> None:
    main.add_command(completion_counters_cmd)
