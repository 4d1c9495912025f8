"""`diemcau notify`: send a template or a text to an audience of sites from a shell.

    diemcau notify send --template "Nhắc kiểm tra kỹ thuật" --audience not_ready --province 01
    diemcau notify send --channel sms --role technician --audience silent \\
        --text "Điểm cầu {diem_cau} đang mất tín hiệu, đề nghị kiểm tra." --yes
    diemcau notify send ... --background        # queue it for `diemcau worker`
    diemcau notify resume 42                    # a stopped send: the rest goes, nothing twice
    diemcau notify resend 42 [--unknown]        # the failed ones again (a new attempt each)
    diemcau notify opt-out sms 0912345678       # never message this number again
    diemcau notify organiser-phone nguyenvana 0912345678
"""

from pathlib import Path

import click

AUDIENCE_CHOICES = ["all", "not_ready", "silent", "never", "list"]


@click.group("notify")
def notify_group() -> None:
    """E-mail and SMS to site contacts and technicians."""


@notify_group.command("send")
@click.option("--template", "template_name", default=None, help="A saved template, by name.")
@click.option("--text", default=None, help="The text, with {fields} (instead of --template).")
@click.option("--subject", default="", help="E-mail subject (with {fields}).")
@click.option("--channel", type=click.Choice(["email", "sms", "zalo"]), default=None)
@click.option(
    "--role", type=click.Choice(["contact", "technician"]), default="contact", show_default=True
)
@click.option("--audience", type=click.Choice(AUDIENCE_CHOICES), default="all", show_default=True)
@click.option("--province", default=None, help="Only sites of this province (unit code).")
@click.option("--unit", default=None, help="Only sites under this unit (code).")
@click.option("--q", "query", default=None, help="Only sites whose name or code contains this.")
@click.option("--codes", default=None, help="Site codes, separated by commas (--audience list).")
@click.option(
    "--codes-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A text file of site codes, one a line (--audience list).",
)
@click.option("--session", "session_id", type=int, default=None, help="Session id for {phien}.")
@click.option("--as-user", "as_user", default=None, help="Send as this organiser (their scope).")
@click.option("--dry-run", is_flag=True, help="Show the preview and the count; send nothing.")
@click.option("--yes", is_flag=True, help="Send without asking.")
@click.option("--background", is_flag=True, help="Queue for `diemcau worker` instead of now.")
def send_cmd(  # noqa: PLR0917 - click passes every option as an argument
    template_name: str | None,
    text: str | None,
    subject: str,
    channel: str | None,
    role: str,
    audience: str,
    province: str | None,
    unit: str | None,
    query: str | None,
    codes: str | None,
    codes_file: Path | None,
    session_id: int | None,
    as_user: str | None,
    dry_run: bool,
    yes: bool,
    background: bool,
) -> None:
    """Send a template (or a text) to an audience of sites."""
    from diemcau.clikit import fail, setup

    setup()
    from django.contrib.auth import get_user_model

    from diemcau.clikit import scope_for_cli
    from diemcau.errors import DomainError
    from diemcau.notifications import broadcast
    from diemcau.notifications.audiences import Audience

    scope = scope_for_cli(as_user)
    user = get_user_model().objects.filter(username=as_user).first() if as_user else None
    if bool(template_name) == bool(text):
        fail("Hãy chọn một mẫu tin (--template) hoặc viết nội dung (--text).")
    all_codes = (codes or "") + " " + (codes_file.read_text("utf-8") if codes_file else "")
    try:
        template_id = None
        if template_name:
            template = broadcast.visible_templates(scope).filter(name=template_name).first()
            if template is None:
                fail(f"Không có mẫu tin “{template_name}”.")
            template_id = template.pk
            text, subject, channel = (
                template.body,
                subject or template.subject,
                channel or (template.channel),
            )
        draft = broadcast.Draft.clean(
            channel=channel or "email", role=role, subject=subject, body=text or "",
            audience=Audience.clean(audience, province, unit, query, all_codes),
            session_id=session_id,
        )  # fmt: skip
        shown = broadcast.preview(scope, draft)
    except DomainError as exc:
        fail(exc.message)
    _echo_preview(shown)
    if dry_run:
        return
    if not yes and not click.confirm(f"Gửi tới {shown['recipients']} điểm cầu?", default=False):
        fail("Đã hủy, không gửi gì.")
    try:
        message = broadcast.record(scope, user, draft, template_id=template_id)
    except DomainError as exc:
        fail(exc.message)
    _go(message, background)


def _echo_preview(shown: dict[str, object]) -> None:
    site = shown["site"]
    click.echo(f"Số điểm cầu nhận: {shown['recipients']}")
    click.echo(f"Xem trước với {site} → {shown['name'] or '(không tên)'} <{shown['address']}>")
    if shown.get("subject"):
        click.echo(f"Tiêu đề: {shown['subject']}")
    click.echo(str(shown["text"]))
    sms = shown.get("sms")
    if isinstance(sms, dict):
        click.echo(f"SMS: {sms['parts']} tin ({sms['encoding']}, {sms['units']} ký tự)")


def _go(message: object, background: bool) -> None:
    from diemcau.clikit import progress_bar
    from diemcau.notifications import broadcast

    if background:
        task = broadcast.start(message)  # type: ignore[arg-type]
        click.echo(f"Đã xếp hàng tin {message.pk} (tác vụ {task.pk}); `diemcau worker` sẽ gửi.")  # type: ignore[attr-defined]
        return
    with progress_bar("Đang gửi") as progress:
        counts = broadcast.run_here(message, progress)  # type: ignore[arg-type]
    click.echo(
        f"Tin {message.pk}: đã gửi {counts['sent']}, lỗi {counts['failed']}, "  # type: ignore[attr-defined]
        f"bỏ qua {counts['skipped']}, không rõ {counts['unknown']}."
    )


@notify_group.command("resume")
@click.argument("message_id", type=int)
@click.option("--background", is_flag=True, help="Queue for `diemcau worker` instead of now.")
def resume_cmd(message_id: int, background: bool) -> None:
    """Send what is still queued of a stopped message (nothing goes twice)."""
    from diemcau.clikit import fail, setup

    setup()
    from diemcau.notifications.models import Message

    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        fail(f"Không có tin {message_id}.")
    _go(message, background)


@notify_group.command("resend")
@click.argument("message_id", type=int)
@click.option(
    "--unknown",
    is_flag=True,
    help="Also the 'unknown' deliveries: they may have arrived, so they may arrive twice.",
)
@click.option("--as-user", "as_user", default=None, help="Resend as this organiser (their scope).")
@click.option("--background", is_flag=True, help="Queue for `diemcau worker` instead of now.")
def resend_cmd(message_id: int, unknown: bool, as_user: str | None, background: bool) -> None:
    """Send a message's failed deliveries again (with --unknown, the unknown ones too)."""
    from diemcau.clikit import fail, setup

    setup()
    from django.contrib.auth import get_user_model

    from diemcau.clikit import scope_for_cli
    from diemcau.errors import DomainError
    from diemcau.notifications import broadcast

    user = get_user_model().objects.filter(username=as_user).first() if as_user else None
    try:
        message, count = broadcast.requeue(
            scope_for_cli(as_user), user, message_id, unknown=unknown
        )
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"Tin {message_id}: gửi lại cho {count} người nhận.")
    _go(message, background)


@notify_group.command("opt-out")
@click.argument("channel", type=click.Choice(["email", "sms", "zalo"]))
@click.argument("address")
@click.option("--remove", is_flag=True, help="Allow messages to this address again.")
def opt_out_cmd(channel: str, address: str, remove: bool) -> None:
    """Never message ADDRESS on CHANNEL again (or again allow it, with --remove)."""
    from diemcau.clikit import fail, setup

    setup()
    from diemcau.errors import DomainError
    from diemcau.notifications import optouts

    try:
        shown = optouts.set_opt_out(channel, address, remove=remove, user=None)
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"{shown}: {'được nhận tin trở lại' if remove else 'sẽ không nhận tin nữa'}.")


@notify_group.command("organiser-phone")
@click.argument("username")
@click.argument("phone")
def organiser_phone_cmd(username: str, phone: str) -> None:
    """The mobile number on which an organiser gets SMS (escalations)."""
    from diemcau.clikit import fail, setup

    setup()
    from diemcau.errors import DomainError
    from diemcau.notifications import optouts

    try:
        stored = optouts.set_organiser_phone(username, phone)
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"{username}: {stored}")


def register(main: click.Group) -> None:
    main.add_command(notify_group)
