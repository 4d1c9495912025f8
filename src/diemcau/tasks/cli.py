"""`diemcau worker`: run the background jobs (imports, exports, reports, certificate batches).

    diemcau worker                      # run jobs as they come, until Ctrl+C / SIGTERM
    diemcau worker --id app2-w1         # a name kept across restarts (systemd: one per unit)
    diemcau worker --batch              # run what is queued, then exit (cron, tests)

Any number of workers may run, on any machine that reaches the database: each job is claimed by
one of them (a row lock on PostgreSQL, the write lock on SQLite). A worker that starts fails the
jobs its previous run under the same name left half-done, so their owners can start them again.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import click


def default_worker_id() -> str:
    return socket.gethostname()[:60] or "worker"


@click.command("worker")
@click.option(
    "--id",
    "worker_id",
    default=default_worker_id,
    show_default="the host name",
    help="This worker's name, kept across restarts (at most 64 characters).",
)
@click.option("--batch", is_flag=True, help="Run every queued job, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="Seconds between looks at an empty queue.",
)
@click.option("--parent-pid", type=int, default=None, hidden=True)
def worker_cmd(worker_id: str, batch: bool, interval: float, parent_pid: int | None) -> None:
    """Run background jobs from the shared queue."""
    from diemcau.clikit import fail, setup

    if not worker_id or len(worker_id) > 64:
        fail("Tên worker phải có từ 1 đến 64 ký tự (--id).")
    setup()
    if parent_pid:
        _end_with(parent_pid)
    from django.core.management import call_command

    from diemcau.tasks.services import reap_orphans

    if reaped := reap_orphans(worker_id):
        click.echo(
            f"{reaped} tác vụ nền đang chạy dở khi worker {worker_id} dừng lần trước: "
            "đã đánh dấu lỗi, người tạo có thể chạy lại."
        )
    click.echo(f"worker {worker_id}: đang chờ tác vụ nền (Ctrl+C để dừng)")
    if not batch:
        from diemcau.alerts.ticker import start_in_background

        start_in_background()  # escalations and reminders, every DIEMCAU_ALERTS_TICK_S
    call_command(
        "db_worker",
        worker_id=worker_id,
        batch=batch,
        interval=interval,
        startup_delay=not batch,
        verbosity=1,
    )


def _end_with(parent_pid: int) -> None:
    """Beside `diemcau up`: stop (finishing the job in hand) when the server process is gone."""

    def watch() -> None:
        while True:
            time.sleep(2)
            try:
                os.kill(parent_pid, 0)
            except OSError:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="diemcau-worker-parent", daemon=True).start()


def start_beside_server(log_dir: Path) -> subprocess.Popen[bytes]:
    """The embedded default's worker: one child of `diemcau up` that ends with the server.

    Its name is fixed (host name + "-up"), so after a crash the next `diemcau up` fails the jobs
    it had in hand; production runs `diemcau worker` under systemd instead.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    worker_id = f"{default_worker_id()[:55]}-up"
    with (log_dir / "worker.log").open("ab") as log:
        child = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                sys.executable,
                "-m",
                "diemcau.cli",
                "worker",
                "--id",
                worker_id,
                "--parent-pid",
                str(os.getpid()),
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            close_fds=True,
        )
    click.echo(f"Tác vụ nền chạy trên worker {worker_id}; nhật ký: {log_dir / 'worker.log'}.")
    return child


def register(main: click.Group) -> None:
    main.add_command(worker_cmd)
