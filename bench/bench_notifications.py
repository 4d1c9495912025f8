"""11,000 personalised e-mails into a real SMTP server on loopback, and the naive path beside it.

    .venv/bin/python bench/bench_notifications.py                  # 11,000 sites
    .venv/bin/python bench/bench_notifications.py --naive 2000     # naive path on a sample
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_notifications.py

The SMTP server (aiosmtpd, counting what it accepts and the connections it was opened) runs in
a process of its own, so it does not share this one's interpreter. The shipped path is what a
send from the organisers' page does in the worker: one message to every site's contact, its
11,000 deliveries written with each text filled from the template (site, unit, contact,
console link, session, time), then each claimed, handed over on ONE SMTP connection and
recorded. The naive path sends the same way but opens a connection per message (what
`send_mail()` per recipient does). Figures: wall time, messages/s, connections the server saw,
and the process's peak RSS (with the RSS before the send, to show what the send itself adds).
No rate limit (DIEMCAU_NOTIFY_RATE_EMAIL=0) so the figure is the path's own speed; production
holds it to the configured rate.
"""

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from common import add_out_argument, migrated_with_units, save, throwaway_data  # noqa: E402

TEMPLATE_SUBJECT = "Kiểm tra kỹ thuật điểm cầu {ma_diem_cau}"
TEMPLATE_BODY = (
    "Kính gửi {nguoi_nhan},\n\n"
    "Ban tổ chức đề nghị điểm cầu {diem_cau} ({don_vi}) tham gia kiểm tra kỹ thuật trước "
    "{phien} lúc {thoi_gian}.\nMở bàn điều khiển của điểm cầu: {duong_dan}\n\n"
    "Trân trọng."
)


def smtp_server(port: int, counters: Any, ready: Any, stop: Any) -> None:
    """A counting SMTP server; runs in its own process until `stop` is set."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with counters.get_lock():
                counters[0] += 1
                counters[2] += len(envelope.content)
                counters[3] = int(time.process_time() * 1000)  # the server's CPU so far, ms
            return "250 OK"

    class Counting(Controller):
        def factory(self) -> Any:
            with counters.get_lock():
                counters[1] += 1
            return super().factory()

    controller = Counting(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    with counters.get_lock():
        counters[1] = 0  # the controller's own start-up probe
    ready.set()
    stop.wait()
    controller.stop()


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def prepare(n_sites: int) -> tuple[Any, int]:
    from bench_delegates_import import create_sites
    from django.db import connection

    from diemcau.programme.models import Conference, Day, Session

    create_sites(n_sites, 2026)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sites_site SET contact_email = 'dc' || id || '@example.vn', "
            "contact_name = 'Cán bộ ' || id"
        )
    conference = Conference.objects.create(
        slug="bench", name="Hội nghị", host="BTC", starts_on=dt.date(2025, 6, 14),
        ends_on=dt.date(2025, 6, 15),
    )  # fmt: skip
    day = Day.objects.create(conference=conference, date=dt.date(2025, 6, 14))
    session = Session.objects.create(
        day=day, title="Phiên khai mạc", starts_at=dt.time(7, 30), ends_at=dt.time(9)
    )
    return session, n_sites


def one_send(
    label: str, session: Any, reuse: bool, limit: int | None, counters: Any
) -> dict[str, Any]:
    from diemcau.accounts.scopes import Scope
    from diemcau.notifications import broadcast, sending
    from diemcau.notifications.audiences import Audience
    from diemcau.tasks.models import Task, TaskStatus

    scope = Scope(user_id=0, everything=True)
    codes: tuple[str, ...] = ()
    if limit:
        from diemcau.sites.models import Site

        codes = tuple(Site.objects.order_by("pk").values_list("code", flat=True)[:limit])
    draft = broadcast.Draft.clean(
        channel="email", role="contact", subject=TEMPLATE_SUBJECT, body=TEMPLATE_BODY,
        audience=Audience.clean("list" if codes else "all", codes=codes), session_id=session.pk,
    )  # fmt: skip
    before = (counters[0], counters[1], counters[2], counters[3])
    rss_before = rss_mb()
    cpu_before = cpu_s()
    started = time.perf_counter()
    message = broadcast.record(scope, None, draft)
    task = Task.objects.create(kind=broadcast.SEND_JOB, params={}, status=TaskStatus.RUNNING)
    broadcast.prepare(message)
    prepared = time.perf_counter()
    counts = sending.run(message.deliveries.all(), task.pk, reuse=reuse)
    done = time.perf_counter()
    received = counters[0] - before[0]
    return {
        "path": label,
        "messages": counts["sent"],
        "failed": counts["failed"] + counts["unknown"],
        "received_by_server": received,
        "server_connections": counters[1] - before[1],
        "mean_message_bytes": round((counters[2] - before[2]) / max(1, received)),
        "prepare_s": round(prepared - started, 2),
        "send_s": round(done - prepared, 2),
        "total_s": round(done - started, 2),
        "messages_per_s": round(counts["sent"] / (done - started), 1),
        # CPU seconds each side spent: the wall time on an idle machine is about the larger
        # (the two run on different cores), whatever the load of the shared one today.
        "sender_cpu_s": round(cpu_s() - cpu_before, 1),
        "server_cpu_s": round((counters[3] - before[3]) / 1000, 1),
        "rss_before_mb": rss_before,
        "peak_rss_mb": rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=11_000)
    parser.add_argument(
        "--naive", type=int, default=None, help="naive path on the first N sites (default: all)"
    )
    parser.add_argument("--no-naive", action="store_true")
    add_out_argument(parser, "notifications.json")
    args = parser.parse_args()

    ctx = multiprocessing.get_context("spawn")
    counters = ctx.Array("q", 4)  # messages, connections, bytes, server CPU ms
    ready, stop = ctx.Event(), ctx.Event()
    from common import free_port

    port = free_port()
    server = ctx.Process(target=smtp_server, args=(port, counters, ready, stop), daemon=True)
    server.start()
    ready.wait(30)
    os.environ.update(
        DIEMCAU_SMTP_HOST="127.0.0.1", DIEMCAU_SMTP_PORT=str(port),
        DIEMCAU_EMAIL_FROM="hoinghi@example.gov.vn", DIEMCAU_NOTIFY_RATE_EMAIL="0",
        DIEMCAU_PUBLIC_URL="https://hoinghi.example.gov.vn", DIEMCAU_AUDIT="1",
    )  # fmt: skip
    try:
        with throwaway_data("notify"):
            migrated_with_units()
            from django.db import connection

            session, n = prepare(args.sites)
            shipped = one_send("one connection per batch (shipped)", session, True, None, counters)
            runs = [shipped]
            if not args.no_naive:
                runs.append(
                    one_send(
                        "one connection per message (naive)", session, False, args.naive, counters
                    )
                )
            result = {
                "database": connection.vendor,
                "sites": n,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_avg_1m": round(os.getloadavg()[0], 1),
                "runs": runs,
                "budget_s": 300,
                "within_budget": shipped["total_s"] <= 300,
            }
            if len(runs) == 2:
                result["naive_over_shipped_per_message"] = round(
                    shipped["messages_per_s"] / max(0.01, runs[1]["messages_per_s"]), 1
                )
    finally:
        stop.set()
        server.join(10)
    save(result, args.out)


if __name__ == "__main__":
    main()
