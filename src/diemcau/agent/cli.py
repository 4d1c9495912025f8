"""`diemcau agent …`: the headless site console, for a site PC without a browser or for tests.

    diemcau agent checkins SCANS.csv --site S --session 3     # queue scans (badge[,scanned_at])
    diemcau agent headcount --site S --session 3 --count 120
    diemcau agent question --site S --text "…"
    DIEMCAU_TOKEN=… diemcau agent run --site S --server http://host:8000
    diemcau agent status --site S

The agent needs no database server and no Django: only its queue file (default
$DIEMCAU_DATA_DIR/agent/<site>.sqlite3) and a site operator's API token (`diemcau token USER`).
"""

import csv
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from diemcau.agent.outbox import Outbox, now_iso


def _queue_path(site: str, queue: Path | None) -> Path:
    if queue is not None:
        return queue
    data = Path(os.environ.get("DIEMCAU_DATA_DIR", "data"))
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in site)
    return data / "agent" / f"{safe}.sqlite3"


site_option = click.option("--site", required=True, help="Site code (mã điểm cầu).")
queue_option = click.option(
    "--queue",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Queue file (default: $DIEMCAU_DATA_DIR/agent/<site>.sqlite3).",
)


@click.group("agent")
def agent_group() -> None:
    """Headless site console: queue check-ins, headcounts, questions; send heartbeats; sync."""


def _scanned_at(text: str, line: int) -> str:
    if not text:
        return now_iso()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"dòng {line}: thời điểm quét “{text}” không đúng dạng ISO (2025-06-14T07:30:00+07:00)"
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"dòng {line}: thời điểm quét “{text}” thiếu múi giờ (+07:00)")
    return moment.astimezone(UTC).isoformat()


@agent_group.command("checkins")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@site_option
@click.option("--session", type=int, required=True, help="Session id (from the programme).")
@queue_option
def checkins_cmd(file: Path, site: str, session: int, queue: Path | None) -> None:
    """Queue the scans in FILE: one per line, "badge" or "badge,scanned_at" (ISO with zone)."""
    bodies = []
    with file.open(encoding="utf-8-sig", newline="") as handle:
        for line, cells in enumerate(csv.reader(handle), start=1):
            if not cells or not cells[0].strip():
                continue
            badge = cells[0].strip()
            when = _scanned_at(cells[1].strip() if len(cells) > 1 else "", line)
            bodies.append({"badge": badge, "site": site, "session": session, "scanned_at": when})
    with Outbox(_queue_path(site, queue)) as outbox:
        outbox.add_many("checkin", bodies)
        click.echo(f"Đã xếp hàng {len(bodies)} lượt quét; đang chờ gửi: {outbox.pending()}")


@agent_group.command("headcount")
@site_option
@click.option("--session", type=int, required=True)
@click.option("--count", type=click.IntRange(min=0), required=True, help="People present.")
@click.option("--note", default="")
@queue_option
def headcount_cmd(site: str, session: int, count: int, note: str, queue: Path | None) -> None:
    """Queue a headcount (số người dự) for a session; a later one supersedes it."""
    with Outbox(_queue_path(site, queue)) as outbox:
        body = {"site": site, "session": session, "count": count, "note": note}
        item = outbox.add("headcount", body)
    click.echo(f"Đã xếp hàng báo cáo số người dự ({item}).")


@agent_group.command("question")
@site_option
@click.option("--text", required=True, help="The question or difficulty (vướng mắc).")
@click.option("--asker", default="", help="Asker's name (optional).")
@click.option("--session", type=int, default=None)
@queue_option
def question_cmd(site: str, text: str, asker: str, session: int | None, queue: Path | None) -> None:
    """Queue a question from the site."""
    body = {"site": site, "text": text, "asker_name": asker, "session": session}
    with Outbox(_queue_path(site, queue)) as outbox:
        item = outbox.add("question", body)
    click.echo(f"Đã xếp hàng câu hỏi ({item}).")


@agent_group.command("run")
@site_option
@click.option("--server", required=True, help="Server address, e.g. http://10.0.0.5:8000")
@click.option(
    "--token", envvar="DIEMCAU_TOKEN", required=True, help="API token (or DIEMCAU_TOKEN)."
)
@click.option("--session", default="", help="Session being shown, for the heartbeat.")
@click.option("--interval", type=float, default=5.0, show_default=True, help="Seconds per round.")
@click.option("--rounds", type=int, default=None, help="Stop after N rounds (default: run on).")
@queue_option
def run_cmd(  # noqa: PLR0917 - click passes every option by keyword
    site: str,
    server: str,
    token: str,
    session: str,
    interval: float,
    rounds: int | None,
    queue: Path | None,
) -> None:
    """Send a heartbeat every INTERVAL seconds and sync the queue; Ctrl+C to stop."""
    from diemcau.agent.http import JsonClient
    from diemcau.agent.runner import Agent, TickReport, TokenRefused

    try:
        client = JsonClient(server, token)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    outbox = Outbox(_queue_path(site, queue))
    agent = Agent(site=site, client=client, outbox=outbox, session=session, interval=interval)

    def show(report: TickReport) -> None:
        state = "trực tuyến" if report.online else f"mất kết nối ({report.error})"
        sent = ", ".join(f"{k}: {n}" for k, n in report.sent.items() if n)
        waiting = sum(outbox.pending().values())
        click.echo(f"[{now_iso()}] {state}; đã gửi {sent or 0}; còn chờ {waiting}")

    try:
        agent.run(rounds=rounds, on_tick=show)
    except TokenRefused as exc:
        click.secho(f"Máy chủ từ chối token: {exc}. Hãy cấp token mới (diemcau token).", fg="red")
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        click.echo("Đã dừng; các mục chưa gửi vẫn nằm trong hàng đợi.")
    finally:
        client.close()
        outbox.close()


@agent_group.command("status")
@site_option
@queue_option
def status_cmd(site: str, queue: Path | None) -> None:
    """What is still queued, what the server answered, and the latest rejections."""
    with Outbox(_queue_path(site, queue)) as outbox:
        click.echo(f"Hàng đợi: {outbox.path}")
        click.echo(f"Đang chờ gửi: {outbox.pending()}")
        for (kind, status), n in sorted(outbox.outcome_counts().items()):
            click.echo(f"  {kind} {status}: {n}")
        for item_id, kind, reason, detail in outbox.rejections():
            click.echo(f"  bị từ chối {kind} {item_id}: {reason} {detail}".rstrip())


def register(main: click.Group) -> None:
    main.add_command(agent_group)
