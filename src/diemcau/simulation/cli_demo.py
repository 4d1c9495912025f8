"""`diemcau demo-day`, and what `diemcau up` uses to load the living demo and start the day.

    diemcau up                      # loads the demo and plays the day in the background
    diemcau up --no-demo-day        # the demo without the simulated day (or DIEMCAU_DEMO_DAY=0)
    diemcau demo-day --seconds 60   # the day by hand, against a server already running

`up` hands its process to granian (exec), so the day runs in a child process started just before:
it waits for the server to answer, then plays; it ends when the server's process ends (it checks
its parent every tick), on Ctrl+C (same terminal, same process group) or on SIGTERM.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from diemcau.clikit import fail, progress_bar, setup


@click.command("demo-day")
@click.option("--server", default="http://127.0.0.1:8000", show_default=True)
@click.option("--seconds", type=float, default=None, help="Stop after this long (default: never).")
@click.option("--sites", "n_sites", type=int, default=400, show_default=True)
@click.option("--tick", type=float, default=5.0, show_default=True, help="Heartbeat period (s).")
@click.option("--parent-pid", type=int, default=None, hidden=True)
def demo_day_cmd(
    server: str, seconds: float | None, n_sites: int, tick: float, parent_pid: int | None
) -> None:
    """Play a small conference day against the demo server: heartbeats, scans, questions, an
    outage of some sites and their recovery (demo mode only)."""
    setup()
    from diemcau.simulation import demo_day

    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def say(text: str) -> None:
        click.echo(f"[{time.strftime('%H:%M:%S')}] ngày mô phỏng: {text}", err=True)

    try:
        plan = demo_day.prepare_day(n_sites=n_sites)
    except demo_day.NotADemo as exc:
        fail(str(exc))
    alive = demo_day.parent_alive(parent_pid)
    if not demo_day.wait_for_server(server, plan.token, stop, timeout_s=120):
        if not stop.is_set():
            fail(f"Máy chủ {server} không trả lời.")
        return
    say(f"{len(plan.sites)} điểm cầu, {len(plan.scans)} đại biểu sẽ đến, phiên {plan.session_id}")
    tally = demo_day.play_day(server, plan, stop, say, seconds=seconds, tick_s=tick, alive=alive)
    say(
        f"dừng sau {tally.ticks} nhịp: {tally.beats} tín hiệu, {tally.scans} lượt quét, "
        f"{tally.questions} câu hỏi, {tally.outages} lần mất tín hiệu"
    )


def load_demo(host: str, port: int) -> None:
    """What `up` loads into an empty or earlier demo database, with progress and timings."""
    from diemcau.simulation.living_demo import DEMO_DELEGATES, load_living_demo

    with progress_bar("Đại biểu mẫu") as progress:
        report = load_living_demo(
            delegates=DEMO_DELEGATES,
            progress=lambda _label, done, total: progress(done, total),
            base_url=f"http://{host}:{port}",
        )
    for line in report.lines:
        click.echo(line)
    click.echo(f"Dữ liệu demo sẵn sàng trong {report.timings['total_s']:.1f} s.")


def start_in_background(host: str, port: int, log_dir: Path) -> subprocess.Popen[bytes] | None:
    """Start `diemcau demo-day` as a child that ends with this process (which becomes the
    server); its lines go to a log file, not over the server's."""
    from diemcau.simulation import demo_day

    if not demo_day.enabled():
        return None
    log_dir.mkdir(parents=True, exist_ok=True)
    log = (log_dir / "demo-day.log").open("ab")
    server = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104
    argv = [sys.executable, "-m", "diemcau.cli", "demo-day", "--server", server]
    child = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [*argv, "--parent-pid", str(os.getpid())],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        close_fds=True,
    )
    log.close()
    click.echo(
        f"Ngày mô phỏng chạy nền (tín hiệu, điểm danh, câu hỏi, mất kết nối); nhật ký: "
        f"{log_dir / 'demo-day.log'}. Tắt: --no-demo-day hoặc DIEMCAU_DEMO_DAY=0."
    )
    return child


def register(main: click.Group) -> None:
    main.add_command(demo_day_cmd)
