"""`diemcau deploy-config`: write the files of a deployment into a folder.

    diemcau deploy-config -o deploy/ --public-url https://hoinghi.example.gov.vn \\
        --app-host 10.0.0.11 --app-host 10.0.0.12 --app-host 10.0.0.13 \\
        --database-url postgres://diemcau:…@10.0.0.5:5432/diemcau --redis-url redis://10.0.0.6:6379/0
"""

from pathlib import Path

import click


@click.command("deploy-config")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the files into (created if missing).",
)
@click.option("--public-url", required=True, help="The address people open, https://…")
@click.option(
    "--app-host",
    "app_hosts",
    multiple=True,
    default=("127.0.0.1",),
    show_default=True,
    help="An app server's address, HOST or HOST:PORT (repeat for each; port 8001 by default).",
)
@click.option("--processes", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--threads", type=click.IntRange(1, 256), default=16, show_default=True)
@click.option("--workers-per-host", type=click.IntRange(1, 32), default=1, show_default=True)
@click.option("--database-url", default=None, help="postgres://user:password@host:5432/name")
@click.option("--redis-url", default=None, help="redis://host:6379/0")
@click.option("--pgbouncer", is_flag=True, help="Also write pgbouncer.ini (transaction pooling).")
def deploy_config_cmd(  # noqa: PLR0917 - click passes every option by keyword
    output: Path,
    public_url: str,
    app_hosts: tuple[str, ...],
    processes: int,
    threads: int,
    workers_per_host: int,
    database_url: str | None,
    redis_url: str | None,
    pgbouncer: bool,
) -> None:
    """Write systemd units, the nginx front, the environment and database settings."""
    from urllib.parse import urlsplit

    from diemcau.clikit import fail
    from diemcau.deploy.files import Plan, write

    if urlsplit(public_url).scheme not in ("http", "https") or not urlsplit(public_url).hostname:
        fail("--public-url phải là một địa chỉ đầy đủ, ví dụ https://hoinghi.example.gov.vn")
    if urlsplit(public_url).scheme == "http":
        click.secho(
            "Cảnh báo: địa chỉ http:// — mật khẩu và phiên đăng nhập đi không mã hoá; "
            "hãy dùng https:// khi chạy thật.",
            fg="yellow",
            err=True,
        )
    extra = {}
    if database_url:
        extra["database_url"] = database_url
    if redis_url:
        extra["redis_url"] = redis_url
    plan = Plan(
        public_url=public_url.rstrip("/"),
        app_hosts=app_hosts,
        processes=processes,
        threads=threads,
        workers_per_host=workers_per_host,
        pgbouncer=pgbouncer,
        **extra,
    )
    for path in write(plan, output):
        click.echo(f"  {path}")
    click.echo(
        f"Đã ghi cấu hình cho {len(app_hosts)} máy chủ ứng dụng "
        f"({plan.app_connections} kết nối CSDL; max_connections = {plan.max_connections}). "
        f"Xem {output / 'LAYOUT.md'}: tệp nào đặt ở đâu."
    )


@click.command("capacity")
@click.option("--sites", type=click.IntRange(1), required=True, help="Connected sites.")
@click.option("--delegates", type=click.IntRange(1), required=True, help="Registered delegates.")
@click.option("--cores-per-server", type=click.IntRange(1, 256), default=4, show_default=True)
@click.option("--bitrate", type=click.IntRange(16), default=1500, show_default=True, help="kbit/s")
@click.option("--relay-mbps", type=click.IntRange(10), default=1000, show_default=True)
@click.option(
    "--catchup-share",
    type=click.FloatRange(0, 1),
    default=0.01,
    show_default=True,
    help="Share of delegates watching a recording at once, during a live session.",
)
@click.option("--catchup-kbps", type=click.IntRange(16), default=1096, show_default=True)
def capacity_cmd(
    *,
    sites: int,
    delegates: int,
    cores_per_server: int,
    bitrate: int,
    relay_mbps: int,
    catchup_share: float,
    catchup_kbps: int,
) -> None:
    """How many app servers, cores and relays the day needs (measured costs × peak rates)."""
    from diemcau.deploy.capacity import Assumptions, plan

    a = Assumptions(
        cores_per_server=cores_per_server,
        bitrate_kbps=bitrate,
        relay_mbps=relay_mbps,
        catchup_share=catchup_share,
        catchup_kbps=catchup_kbps,
    )
    p = plan(sites, delegates, a)
    click.echo(f"{sites:,} điểm cầu, {delegates:,} đại biểu".replace(",", "."))
    for line in p.notes:
        click.echo(f"  {line}")
    click.echo(
        f"CPU lúc cao điểm: {p.total_cores:.1f} lõi → {p.app_servers} máy chủ ứng dụng × "
        f"{cores_per_server} lõi (dùng tối đa {a.utilisation:.0%}, thêm 1 máy dự phòng)"
    )
    click.echo(f"Ghi CSDL lúc cao điểm: {p.db_writes_per_s:,.0f} dòng/giây".replace(",", "."))
    live_gbps = p.relay_egress_gbps - p.catchup_egress_gbps
    click.echo(
        f"Trạm chuyển tiếp: {p.relays} × {relay_mbps} Mbit/s cho {p.relay_egress_gbps:.1f} Gbit/s "
        f"(trực tiếp {live_gbps:.1f} Gbit/s: {bitrate} kbit/s mỗi điểm cầu; "
        f"xem lại {p.catchup_egress_gbps:.1f} Gbit/s: "
        f"{p.catchup_viewers:,} đại biểu × {catchup_kbps} kbit/s)".replace(",", ".")
    )


def register(main: click.Group) -> None:
    main.add_command(deploy_config_cmd)
    main.add_command(capacity_cmd)
