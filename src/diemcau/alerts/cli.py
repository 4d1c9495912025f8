"""`diemcau alerts`: the automatic messages from the command line.

diemcau alerts check            # one tick: send the escalations and reminders now due
diemcau alerts rules            # the escalation rules in force
"""

import json

import click


@click.group("alerts")
def alerts_group() -> None:
    """Automatic messages: escalation of silent sites, scheduled reminders."""


@alerts_group.command("check")
def check_cmd() -> None:
    """Run one tick of the periodic job (the worker runs it every few seconds)."""
    from diemcau.clikit import setup

    setup()
    from diemcau.alerts.ticker import tick

    result = tick()
    esc = result.escalations
    click.echo(
        f"Phiên đang diễn ra: {'có' if esc['live'] else 'không'} · điểm cầu quá ngưỡng: "
        f"{esc['candidates']} · đã gửi cảnh báo: {esc['sent']} · chờ hết thời gian giãn: "
        f"{esc['held']} · nhắc lịch: {result.reminders} ({result.reminder_messages} tin) · "
        f"{result.took_ms} ms"
    )


@alerts_group.command("rules")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def rules_cmd(as_json: bool) -> None:
    """List the escalation rules (national and per province)."""
    from diemcau.clikit import setup

    setup()
    from diemcau.alerts.models import EscalationRule

    rows = [
        {
            "unit": r.unit.code,
            "recipient": r.recipient,
            "channel": r.channel,
            "after_min": r.after_s // 60,
            "cooldown_min": r.cooldown_s // 60,
            "enabled": r.enabled,
        }
        for r in EscalationRule.objects.select_related("unit")
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("Chưa có quy tắc cảnh báo nào.")
    for row in rows:
        state = "bật" if row["enabled"] else "tắt"
        click.echo(
            f"{row['unit']:>4} · {row['recipient']:<18} · {row['channel']} sau "
            f"{row['after_min']} phút · giãn {row['cooldown_min']} phút · {state}"
        )


def register(main: click.Group) -> None:
    main.add_command(alerts_group)
