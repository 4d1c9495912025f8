"""`diemcau backup` and `diemcau restore`.

diemcau backup                          # → ./diemcau-backup-YYYYmmdd-HHMMSS.tar
diemcau backup -o /srv/backup/dc.tar    # while the server runs: a consistent snapshot
diemcau restore /srv/backup/dc.tar      # into an empty data folder / database
diemcau restore dc.tar --force          # replace what is there (stop the server first)
"""

import datetime as dt
import time
from pathlib import Path

import click


@click.command("backup")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The archive to write (default: diemcau-backup-<date>-<time>.tar here).",
)
def backup_cmd(output: Path | None) -> None:
    """Back up the database and the data folder's keys and files, while the server runs."""
    from diemcau.clikit import fail, progress_bar, setup

    setup()
    from diemcau.backup import services

    out = output or Path(f"diemcau-backup-{dt.datetime.now():%Y%m%d-%H%M%S}.tar")
    started = time.perf_counter()
    try:
        with progress_bar("Đang sao lưu cơ sở dữ liệu") as progress:
            manifest = services.backup(out, progress=progress)
    except services.BackupError as exc:
        fail(str(exc))
        return
    size = out.stat().st_size / 1e6
    counts = ", ".join(f"{t} {n:,}".replace(",", ".") for t, n in manifest.counts.items())
    click.echo(
        f"Đã sao lưu vào {out} ({size:,.1f} MB, {time.perf_counter() - started:.1f} s; "
        f"{manifest.engine}; {len(manifest.files)} tệp): {counts}"
    )
    click.echo("Giữ tệp này an toàn: nó chứa dữ liệu cá nhân và khoá bí mật của máy chủ.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_cmd(archive: Path, force: bool) -> None:
    """Restore a backup into this server's database and data folder (server stopped)."""
    from diemcau.clikit import fail, setup

    setup()
    from diemcau.backup import services

    started = time.perf_counter()
    try:
        manifest = services.restore(archive, force=force)
    except services.BackupError as exc:
        fail(str(exc))
        return
    click.echo(
        f"Đã khôi phục bản sao lưu lúc {manifest.created_at} ({manifest.engine}, "
        f"{len(manifest.files)} tệp) trong {time.perf_counter() - started:.1f} s; số dòng "
        "khớp với bản sao lưu. Chạy `diemcau manage migrate` nếu phiên bản mới hơn."
    )


def register(main: click.Group) -> None:
    main.add_command(backup_cmd)
    main.add_command(restore_cmd)
