"""`diemcau simulate`: the conference day at full scale against a running server, reconciled.

    diemcau up &                                   # or scripts/start, in another terminal
    diemcau simulate --server http://127.0.0.1:8000 --sites 11000 --delegates 1500000 --minutes 3

Run it on the server's machine with the server's settings (DATABASE_URL, DIEMCAU_DATA_DIR):
it prepares sites, delegates, badges, a live session and a token in that database, then drives
everything else through HTTP only. The national totals are compared, so the database should hold
exactly the simulated sites (a fresh data folder). Exit status 1 on any mismatch.
"""

import json
import statistics
import time
from pathlib import Path
from typing import Any

import click


@click.command("simulate")
@click.option("--server", required=True, help="The running server, e.g. http://127.0.0.1:8000")
@click.option("--sites", "n_sites", type=int, default=11_000, show_default=True)
@click.option("--delegates", "n_delegates", type=int, default=1_500_000, show_default=True)
@click.option("--minutes", type=float, default=3.0, show_default=True, help="Length of the day.")
@click.option("--workers", type=int, default=8, show_default=True, help="Concurrent connections.")
@click.option("--beat-every", type=float, default=5.0, show_default=True, help="Heartbeat period.")
@click.option("--seed", type=int, default=2025, show_default=True)
@click.option(
    "--questions",
    "max_questions",
    type=int,
    default=None,
    help="At most this many questions (default: one or two from a fifth of the sites).",
)
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def simulate_cmd(  # noqa: PLR0917 - click passes every option by keyword
    server: str,
    n_sites: int,
    n_delegates: int,
    minutes: float,
    workers: int,
    beat_every: float,
    seed: int,
    max_questions: int | None,
    json_out: Path | None,
) -> None:
    """Simulate the day (heartbeats, check-ins, headcounts, questions) and reconcile the totals."""
    from diemcau.clikit import setup

    setup()
    from diemcau.agent.http import JsonClient
    from diemcau.operations.health import OFFLINE_AFTER_S
    from diemcau.simulation.driver import Driver, keep_beating, play
    from diemcau.simulation.plan import cap_questions, make_plan
    from diemcau.simulation.prepare import prepare
    from diemcau.simulation.reconcile import reconcile
    from diemcau.sites.models import Site

    def say(text: str) -> None:
        click.echo(f"[{time.strftime('%H:%M:%S')}] {text}", err=True)

    if Site.objects.count() > n_sites:
        raise click.UsageError(
            f"Cơ sở dữ liệu có {Site.objects.count()} điểm cầu, nhiều hơn --sites {n_sites}: tổng "
            "toàn quốc sẽ không khớp. Hãy dùng thư mục dữ liệu mới hoặc --sites bằng số điểm cầu."
        )
    started = time.perf_counter()
    say("chuẩn bị điểm cầu, đại biểu, thẻ, phiên họp")
    stage = prepare(n_sites, n_delegates, seed, lambda label, d, t: say(f"{label} {d}/{t or '?'}"))
    prepared = time.perf_counter()
    plan = make_plan(stage, seed)
    if max_questions is not None:
        cap_questions(plan, max_questions)
    say(
        f"kế hoạch: {len(plan.connected)} điểm cầu kết nối, {len(plan.silent)} im lặng, "
        f"{len(plan.scans) + len(plan.late_scans)} lượt quét, {len(plan.questions)} câu hỏi"
    )
    driver = Driver(server, stage.token, stage.session_id, workers)
    try:
        wall = play(driver, plan, minutes, beat_every, say)
        keep_beating(driver, plan, OFFLINE_AFTER_S + 6, beat_every, say)
        client = JsonClient(server, stage.token, timeout=120)
        lines = reconcile(client, stage, plan, driver.tally)
        reads = _time_reads(client, stage.session_id)
        client.close()
    finally:
        driver.close()
    mismatches = [line for line in lines if not line.ok]
    width = max(len(line.name) for line in lines)
    for line in lines:
        mark = "khớp" if line.ok else "LỆCH"
        click.echo(
            f"{line.name:<{width}}  kỳ vọng {line.expected:>9}  máy chủ {line.got!s:>9}  {mark}"
        )
    figures = {
        "sites": n_sites,
        "delegates": stage.registered,
        "minutes": minutes,
        "workers": workers,
        "prepare_s": round(prepared - started, 1),
        "day_s": round(wall, 1),
        "requests": driver.tally.figures(wall),
        "answers": dict(driver.tally.statuses),
        "reasons": dict(driver.tally.reasons),
        "reads_median_ms": reads,
        "mismatches": len(mismatches),
        "mismatched": [
            {"line": line.name, "expected": line.expected, "got": line.got} for line in mismatches
        ],
        "errors": driver.tally.errors[:20],
    }
    click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    if json_out is not None:
        json_out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")
    if mismatches:
        click.secho(f"{len(mismatches)} số liệu không khớp.", fg="red", err=True)
        raise SystemExit(1)
    click.secho("Mọi số liệu đều khớp.", fg="green", err=True)


def _time_reads(client: Any, session: int, runs: int = 7) -> dict[str, float]:
    """What organisers refresh all day, at the end of the day: median over `runs` calls."""
    paths = {
        "attendance_summary_root": f"/api/v1/attendance/summary?session={session}",
        "operations_status_root": "/api/v1/operations/status",
        "report_root": f"/api/v1/reports/TW?session={session}",
    }
    out = {}
    for name, path in paths.items():
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            client.request("GET", path)
            times.append((time.perf_counter() - started) * 1000)
        out[name] = round(statistics.median(times), 1)
    return out


def register(main: click.Group) -> None:
    main.add_command(simulate_cmd)
