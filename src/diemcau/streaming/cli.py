"""`diemcau stream …`: register streams and relays, write nginx configs, run the ingest.

    diemcau stream add hoi-nghi --title "Hội nghị toàn quốc"
    diemcau stream relay CODE --url http://10.1.0.5:8080 --provinces 01,79 --capacity 2000
    diemcau stream nginx-config --role origin --hls-root /srv/hls -o /etc/diemcau/origin.conf
    diemcau stream nginx-config --role relay --relay hn -o /etc/diemcau/relay-hn.conf
    diemcau stream ingest --input rtmp://0.0.0.0:1935/live/KEY --out /srv/hls --stream hoi-nghi
    diemcau stream revoke SITE
    diemcau stream check-relays [--every 30]
    diemcau stream recordings make [--session ID] | list | delete ID | keep ID --until DATE | prune

Only click is imported at load time; Django is set up inside the commands that need it.
"""

import os
import signal
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click


def _setup() -> None:
    from diemcau.clikit import setup

    setup()


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    raise SystemExit(1)


@click.group("stream")
def stream_group() -> None:
    """Live video: streams, relays, nginx configs, ffmpeg ingest, signed URLs."""


@stream_group.command("add")
@click.argument("name")
@click.option("--title", default="", help="Title shown to organisers.")
def add_cmd(name: str, title: str) -> None:
    """Register stream NAME (a slug: the HLS folder and URL component); prints its ingest key."""
    _setup()
    from diemcau.streaming.models import Stream

    stream, created = Stream.objects.get_or_create(name=name, defaults={"title": title})
    click.echo(f"{'Đã tạo' if created else 'Đã có'} luồng {stream.name}.")
    click.echo(f"Khóa phát (ingest key): {stream.ingest_key}")


@stream_group.command("relay")
@click.argument("code")
@click.option("--url", "base_url", required=True, help="Base URL players use, e.g. http://h:8080")
@click.option("--provinces", default="", help="Province codes served, separated by commas.")
@click.option("--capacity", type=int, default=1000, show_default=True, help="Mbit/s.")
@click.option("--disable", is_flag=True, help="Take the relay out of every site's list.")
def relay_cmd(code: str, base_url: str, provinces: str, capacity: int, disable: bool) -> None:
    """Add or change relay CODE."""
    _setup()
    from diemcau.streaming.relays import RelayError, save_relay

    try:
        relay = save_relay(code, base_url, provinces.split(","), capacity, not disable)
    except RelayError as exc:
        _fail(str(exc))
        return
    served = ", ".join(p.code for p in relay.provinces.all()) or "—"
    click.echo(f"Trạm chuyển tiếp {relay.code}: {relay.base_url} (tỉnh: {served})")


@stream_group.command("revoke")
@click.argument("site")
def revoke_cmd(site: str) -> None:
    """Cut SITE's playback URLs; then rewrite the nginx configs and reload nginx."""
    _setup()
    from diemcau.accounts.scopes import Scope
    from diemcau.errors import DomainError
    from diemcau.streaming.services import revoke_site

    try:
        version = revoke_site(Scope(user_id=0, everything=True), site)
    except DomainError as exc:
        _fail(exc.message)
        return
    click.echo(f"Đã thu hồi URL của điểm cầu {site} (phiên bản khóa {version}).")
    click.echo("Ghi lại cấu hình nginx (stream nginx-config) và chạy: nginx -s reload")


@stream_group.command("check-relays")
@click.option("--timeout", type=float, default=3.0, show_default=True, help="Seconds per probe.")
@click.option("--every", type=float, default=None, help="Check again every N seconds (Ctrl-C).")
@click.option("--relay", "codes", multiple=True, help="Only this relay (repeat).")
def check_relays_cmd(timeout: float, every: float | None, codes: tuple[str, ...]) -> None:
    """Probe every enabled relay; a relay found down goes last in every site's list."""
    import time

    _setup()
    from diemcau.streaming.health import check_relays

    while True:
        checks = check_relays(timeout=timeout, codes=list(codes) or None)
        if not checks:
            click.echo("Chưa có trạm chuyển tiếp nào đang bật.")
        for check in checks:
            if check.up:
                click.echo(f"{check.code}: hoạt động ({check.elapsed_ms} ms)")
            else:
                click.secho(f"{check.code}: NGỪNG — {check.error}", fg="red")
        if every is None:
            raise SystemExit(0 if all(c.up for c in checks) else 1)
        time.sleep(every)


@stream_group.command("nginx-config")
@click.option("--role", type=click.Choice(["origin", "relay"]), required=True)
@click.option("--relay", "relay_code", default=None, help="Relay code (listen port from its URL).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--listen", default=None, help="Address:port (default 8090 origin, 8080 relay).")
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="pid, logs, temp files and cache (default: beside the config).",
)
@click.option("--hls-root", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--origin", "origin_url", default=None, help="Origin URL for a relay.")
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--cache-size", default="20g", show_default=True, help="Relay: disk for segments.")
@click.option(
    "--cache-inactive",
    default="24h",
    show_default=True,
    help="Relay: how long a segment nobody asks for stays cached (DVR window, recordings).",
)
@click.option("--reload", is_flag=True, help="Tell the running nginx to load it (nginx -s reload).")
def nginx_config_cmd(
    *,
    role: str,
    relay_code: str | None,
    output: Path,
    listen: str | None,
    run_dir: Path | None,
    hls_root: Path | None,
    origin_url: str | None,
    workers: int,
    cache_size: str,
    cache_inactive: str,
    reload: bool,
) -> None:
    """Write a complete nginx.conf for the origin or a relay (non-root, high port)."""
    _setup()
    from diemcau.streaming import conf
    from diemcau.streaming.models import Relay
    from diemcau.streaming.nginxconf import NginxParams, write_config
    from diemcau.streaming.services import key_versions

    output = output.absolute()
    if role == "origin" and hls_root is None:
        _fail("Máy chủ gốc cần --hls-root (thư mục HLS mà ffmpeg ghi).")
    if relay_code:
        relay = Relay.objects.filter(code=relay_code).first()
        if relay is None:
            _fail(f"Không có trạm chuyển tiếp “{relay_code}”.")
            return
        port = urlsplit(relay.base_url).port
        listen = listen or (str(port) if port else None)
    if listen is None:
        listen = "8090" if role == "origin" else "8080"
    params = NginxParams(
        role=role,
        listen=listen,
        run_dir=(run_dir or output.parent / f"nginx-{role}").absolute(),
        conf_path=output,
        secret=conf.signing_secret(),
        key_versions=key_versions(),
        hls_root=hls_root.absolute() if hls_root else None,
        origin_url=origin_url or conf.origin_url(),
        relay_code=relay_code or "",
        workers=workers,
        cache_size=cache_size,
        cache_inactive=cache_inactive,
    )
    try:
        write_config(params)
    except ValueError as exc:
        _fail(str(exc))
    if reload:
        _reload_nginx(params.run_dir, output)
        click.echo(f"Đã ghi {output} và nạp lại nginx.")
    else:
        click.echo(f"Đã ghi {output}. Chạy: nginx -p {params.run_dir} -c {output}")


def _reload_nginx(run_dir: Path, conf_path: Path) -> None:
    """A revocation takes effect only when nginx has the new key versions; reload is graceful."""
    import subprocess

    from diemcau.streaming.harness import nginx_binary

    binary = nginx_binary()
    if binary is None:
        _fail("Không tìm thấy nginx: chạy scripts/services.")
        return
    command = [binary, "-p", str(run_dir), "-c", str(conf_path), "-s", "reload"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        _fail(f"nginx không nạp lại được: {done.stderr.strip()}")


@stream_group.command("ingest")
@click.option("--input", "source", required=True, help="testsrc, rtmp://0.0.0.0:1935/live/KEY…")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--stream", "name", default="live", show_default=True, help="Stream name.")
@click.option(
    "--rendition",
    "renditions",
    multiple=True,
    help="NAME:HEIGHT:VIDEO_KBPS:AUDIO_KBPS (repeat; height 0 = audio only). "
    "Default: the stream's ladder.",
)
@click.option("--test-size", default="320x180", show_default=True, help="testsrc frame size.")
@click.option("--max-restarts", type=int, default=None, help="Give up after N restarts.")
@click.option("--no-db", is_flag=True, help="Only the state file, no database row.")
@click.option(
    "--dvr-window",
    type=click.IntRange(0),
    default=None,
    help="Seconds of DVR playlist (dvr.m3u8); 0: none. Default DIEMCAU_STREAM_DVR_S or 7200.",
)
def ingest_cmd(
    *,
    source: str,
    out: Path,
    name: str,
    renditions: tuple[str, ...],
    test_size: str,
    max_restarts: int | None,
    no_db: bool,
    dvr_window: int | None,
) -> None:
    """Run ffmpeg from INPUT to HLS in OUT/STREAM and restart it when it dies.

    Keeps the DVR playlists (STREAM/dvr.m3u8) and the segment journal recordings are cut from;
    removes segments older than DIEMCAU_STREAM_KEEP_S (12 h) unless a recording holds them.
    """
    from diemcau.streaming import conf
    from diemcau.streaming.dvr import DvrWriter
    from diemcau.streaming.ffmpeg import FfmpegMissing, Rendition, build_command
    from diemcau.streaming.supervisor import IngestState, Supervisor

    ladder = [_parse_rendition(text) for text in renditions]
    record: Any = None
    if not no_db:
        _setup()
        from diemcau.streaming.models import Stream, default_renditions
        from diemcau.streaming.services import record_state

        stream = Stream.objects.filter(name=name).first()
        raw = stream.renditions if stream else default_renditions()
        ladder = ladder or [Rendition.from_json(r) for r in raw]
        record = record_state
    if not ladder:
        from diemcau.streaming.models import default_renditions

        ladder = [Rendition.from_json(r) for r in default_renditions()]
    stream_dir = out.absolute() / name
    try:
        command = build_command(source, stream_dir, ladder, test_size=test_size)
    except FfmpegMissing as exc:
        _fail(str(exc))
        return

    recorded_at = [0.0]

    def on_state(state: IngestState) -> None:
        click.echo(f"[{state.state}] lần khởi động lại: {state.restarts} {state.detail}", err=True)
        if record is not None:
            from datetime import datetime

            last = datetime.fromisoformat(state.last_segment_at) if state.last_segment_at else None
            record(name, state.state, state.restarts, last, state.detail)
            # Once a minute: a recording for each session that has just ended.
            if time.monotonic() - recorded_at[0] > 60:
                recorded_at[0] = time.monotonic()
                _record_ended(out.absolute(), name)

    window = conf.dvr_window_s() if dvr_window is None else dvr_window
    dvr = DvrWriter(stream_dir, window, conf.keep_segments_s())
    supervisor = Supervisor(command, stream_dir, name, on_state, max_restarts=max_restarts, dvr=dvr)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: supervisor.stop())
    click.echo(f"ffmpeg → {stream_dir}/master.m3u8 (pid của diemcau: {os.getpid()})", err=True)
    final = supervisor.run()
    raise SystemExit(0 if final.state == "stopped" else 1)


def _record_ended(hls_root: Path, stream_name: str) -> None:
    """Never let a recording problem stop the live stream: it is said and tried again later."""
    from diemcau.streaming.recordings import (
        prune_recordings,
        record_ended_sessions,
        sweep_orphans,
    )

    try:
        for recording in record_ended_sessions(hls_root=hls_root, stream_name=stream_name):
            click.echo(f"Đã tạo bản ghi {recording.name} ({recording.session})", err=True)
        for name in prune_recordings(hls_root=hls_root):
            click.echo(f"Đã xóa bản ghi hết hạn {name}", err=True)
        for name in sweep_orphans(hls_root):
            click.echo(f"Đã xóa thư mục bản ghi không còn trong danh sách: {name}", err=True)
    except Exception as exc:  # reported; the ingest goes on and tries again in a minute
        click.secho(f"Không tạo được bản ghi: {exc}", fg="red", err=True)


def _parse_rendition(text: str) -> Any:
    from diemcau.streaming.ffmpeg import Rendition

    parts = text.split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[1:]):
        raise click.BadParameter(
            f"“{text}”: cần dạng TÊN:CAO:KBPS_HÌNH:KBPS_TIẾNG, ví dụ 480p:480:1000:96"
        )
    return Rendition(parts[0], int(parts[1]), int(parts[2]), int(parts[3]))


@stream_group.group("recordings")
def recordings_group() -> None:
    """Session recordings (VOD playlists over the live segments): make, list, keep, delete."""


def _hls_root_option(func: Any) -> Any:
    return click.option(
        "--hls-root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The HLS folder (default DIEMCAU_STREAM_HLS_ROOT or DATA_DIR/hls).",
    )(func)


def _central() -> Any:
    from diemcau.accounts.scopes import Scope

    return Scope(user_id=0, everything=True)


def _when(text: str | None) -> Any:
    if not text:
        return None
    from datetime import datetime

    from django.utils import timezone

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"“{text}”: cần dạng 2025-06-14T07:30 (giờ Việt Nam) hoặc có múi giờ.")
    return value if value.tzinfo else timezone.make_aware(value)


def _describe(recording: Any) -> str:
    minutes = recording.duration_s / 60
    return (
        f"{recording.pk}\t{recording.name}\t{recording.session}\t{minutes:.0f} phút\t"
        f"{recording.segments} đoạn\tlưu đến {recording.keep_until:%d/%m/%Y}"
    )


@recordings_group.command("make")
@click.option(
    "--session", "session_id", type=int, default=None, help="Session id (default: all ended)."
)
@click.option("--stream", "stream_name", default=None, help="Stream (default: the conference's).")
@click.option("--from", "start", default=None, help="Start (default: the session's).")
@click.option("--to", "end", default=None, help="End (default: the session's).")
@_hls_root_option
def recordings_make_cmd(
    session_id: int | None,
    stream_name: str | None,
    start: str | None,
    end: str | None,
    hls_root: Path | None,
) -> None:
    """Cut a session's recording (or one for every session that ended without one)."""
    _setup()
    from diemcau.errors import DomainError
    from diemcau.streaming import recordings

    root = hls_root.absolute() if hls_root else None
    started = time.perf_counter()
    try:
        if session_id is None:
            made = recordings.record_ended_sessions(hls_root=root)
        else:
            made = [
                recordings.make_recording(
                    _central(), session_id, stream_name, _when(start), _when(end), hls_root=root
                )
            ]
    except DomainError as exc:
        _fail(exc.message)
        return
    for recording in made:
        click.echo(_describe(recording))
    click.echo(f"{len(made)} bản ghi, {time.perf_counter() - started:.1f} giây.")


@recordings_group.command("list")
@click.option("--conference", type=int, default=None)
def recordings_list_cmd(conference: int | None) -> None:
    """Recordings, newest first."""
    _setup()
    from diemcau.streaming import recordings

    for recording in recordings.list_recordings(_central(), conference):
        click.echo(_describe(recording))


@recordings_group.command("keep")
@click.argument("recording_id", type=int)
@click.option("--until", "until", required=True, help="Keep until, e.g. 2025-12-31.")
def recordings_keep_cmd(recording_id: int, until: str) -> None:
    """Change how long a recording is kept."""
    _setup()
    from diemcau.errors import DomainError
    from diemcau.streaming import recordings

    try:
        recording = recordings.set_retention(_central(), recording_id, _when(until))
    except DomainError as exc:
        _fail(exc.message)
        return
    click.echo(_describe(recording))


@recordings_group.command("delete")
@click.argument("recording_id", type=int)
@_hls_root_option
def recordings_delete_cmd(recording_id: int, hls_root: Path | None) -> None:
    """Delete a recording and its files (recorded in the audit trail)."""
    _setup()
    from diemcau.errors import DomainError
    from diemcau.streaming import recordings

    try:
        files = recordings.delete_recording(
            _central(), recording_id, hls_root=hls_root.absolute() if hls_root else None
        )
    except DomainError as exc:
        _fail(exc.message)
        return
    click.echo(f"Đã xóa bản ghi {recording_id} ({files} tệp).")


@recordings_group.command("prune")
@_hls_root_option
def recordings_prune_cmd(hls_root: Path | None) -> None:
    """Delete the recordings kept past their date."""
    _setup()
    from diemcau.streaming import recordings

    gone = recordings.prune_recordings(hls_root=hls_root.absolute() if hls_root else None)
    click.echo(f"Đã xóa {len(gone)} bản ghi hết hạn.")


def register(main: click.Group) -> None:
    main.add_command(stream_group)
