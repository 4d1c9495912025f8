"""`diemcau counters rebuild` and `diemcau purge-personal-data`: looking after the data itself.

diemcau.cli calls `register(main)` once; Django is set up lazily inside each command, as
everywhere in the CLI. The work is in attendance/recount.py and delegates/purge.py.
"""

import time

import click

MAX_CHANGES = 200  # lines of changes printed; the summary counts them all


def register(main: click.Group) -> None:
    main.add_command(counters_group)
    main.add_command(purge_cmd)


@click.group("counters")
def counters_group() -> None:
    """The counters behind the summaries (registered, check-ins, completion, per minute)."""


@counters_group.command("rebuild")
@click.option("--conference", type=int, default=None, help="Only this conference (id).")
@click.option("--site", "site_code", default=None, help="Only this site (code).")
def rebuild_cmd(conference: int | None, site_code: str | None) -> None:
    """Recount every per-site counter from the source tables and print what changed."""
    from diemcau.clikit import fail, progress_bar, setup

    setup()
    from diemcau.attendance.recount import rebuild_counters
    from diemcau.errors import DomainError

    started = time.perf_counter()
    try:
        with progress_bar("Đang đếm lại các bộ đếm") as progress:
            report = rebuild_counters(conference, site_code, progress=progress)
    except DomainError as exc:
        fail(str(exc))
        return
    elapsed = time.perf_counter() - started
    for change in report.changes[:MAX_CHANGES]:
        click.echo(change.describe())
    if len(report.changes) > MAX_CHANGES:
        click.echo(f"… và {len(report.changes) - MAX_CHANGES} thay đổi khác.")
    conferences = ", ".join(str(c) for c in report.conferences) or "không có"
    click.echo(
        f"Đã đếm lại {report.sites} điểm cầu, {report.sessions} phiên, hoàn thành của hội nghị "
        f"{conferences} trong {elapsed:.1f} s: "
        + (
            f"{len(report.changes)} số liệu đã sửa."
            if report.changes
            else "mọi số liệu đã đúng, không sửa gì."
        )
    )


@click.command("purge-personal-data")
@click.option("--conference", type=int, required=True, help="The conference that has ended (id).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--force",
    is_flag=True,
    help="Erase even if a conference is not over or learning reports await a grade.",
)
def purge_cmd(conference: int, yes: bool, force: bool) -> None:
    """Erase delegates' personal data after the event; keep every figure and certificate."""
    from diemcau.clikit import fail, progress_bar, setup

    setup()
    from diemcau.delegates import purge
    from diemcau.errors import DomainError

    try:
        found = purge.check(conference)
    except DomainError as exc:
        fail(str(exc))
        return
    for reason in found.reasons:
        click.secho(reason, fg="yellow", err=True)
    if not found.allowed and not force:
        fail("Chưa xoá gì. Dùng --force nếu chắc chắn muốn xoá ngay.")
        return
    click.echo(
        f"Sẽ xoá dữ liệu cá nhân của {found.delegates:,} đại biểu".replace(",", ".")
        + f" (họ tên, điện thoại, email, chức vụ, đơn vị, CCCD) sau hội nghị “{found.conference}”;"
        " bài thu hoạch mất nội dung nhưng giữ điểm; mọi số liệu và giấy chứng nhận được giữ."
    )
    if not yes and not click.confirm("Không thể hoàn tác. Tiếp tục?", default=False):
        click.echo("Đã huỷ, chưa xoá gì.")
        return
    started = time.perf_counter()
    try:
        with progress_bar("Đang xoá dữ liệu cá nhân") as progress:
            report = purge.purge_personal_data(conference, force=force, progress=progress)
    except DomainError as exc:
        fail(str(exc))
        return
    elapsed = time.perf_counter() - started
    if report.nothing:
        click.echo("Không còn gì để xoá: dữ liệu cá nhân đã được xoá trước đó.")
        return
    rate = report.delegates / elapsed if elapsed else 0.0
    click.echo(
        f"Đã xoá dữ liệu cá nhân của {report.delegates} đại biểu, nội dung {report.reflections} "
        f"bài thu hoạch ({report.report_files} tệp), tên người hỏi của {report.questions} câu "
        f"hỏi, {report.badge_files} tệp thẻ đại biểu; {elapsed:.1f} s ({rate:,.0f} đại biểu/s)."
    )
