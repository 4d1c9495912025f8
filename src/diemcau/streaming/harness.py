"""Real ffmpeg and nginx processes on loopback, for the tests and the bench.

nginx runs in the foreground (so its process is ours to stop) and never as root: when the caller
is root, it is started as `nobody`, and the folders it writes are handed to that user, as they
would be on a server where nginx runs under its own account.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from diemcau.streaming.dvr import DvrWriter
from diemcau.streaming.ffmpeg import Rendition, build_command
from diemcau.streaming.nginxconf import NginxParams, write_config
from diemcau.streaming.supervisor import Supervisor
from diemcau.streaming.viewer import get

MISSING = (
    "{name} is not installed: the streaming tests drive the real {name}. "
    "Run scripts/services (it installs Debian's ffmpeg and nginx with apt-get)."
)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )


def missing_engines() -> list[str]:
    missing = [] if shutil.which("ffmpeg") else ["ffmpeg"]
    return missing + ([] if nginx_binary() else ["nginx"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shared_tempdir(prefix: str) -> Path:
    """A folder the unprivileged nginx can read (mkdtemp makes it 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def _as_nobody() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    import pwd

    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


class Nginx:
    def __init__(self, params: NginxParams) -> None:
        self.params = params
        self.port = int(params.listen.rsplit(":", 1)[-1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def access_log(self) -> Path:
        return self.params.run_dir / "access.log"

    def write(self) -> None:
        write_config(self.params)
        owner = _as_nobody()
        if owner is not None:
            for path in [self.params.run_dir, *self.params.run_dir.rglob("*")]:
                os.chown(path, *owner)
            os.chown(self.params.conf_path, *owner)

    def start(self, timeout: float = 10.0) -> "Nginx":
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError(MISSING.format(name="nginx"))
        self.write()
        owner = _as_nobody()
        command = [binary, "-g", "daemon off;", "-p", str(self.params.run_dir)]
        command += ["-e", str(self.params.run_dir / "error.log"), "-c", str(self.params.conf_path)]
        self.proc = subprocess.Popen(  # noqa: S603 - our nginx argv, no shell
            command,
            stdin=subprocess.DEVNULL,
            user=owner[0] if owner else None,
            group=owner[1] if owner else None,
            extra_groups=[] if owner else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log()}")
            if get(self.url + "/health", timeout=1).status == 200:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not answer on {self.url}: {self.error_log()}")

    def workers(self) -> set[int]:
        """The master's children (workers, cache manager), from /proc."""
        if self.proc is None:
            return set()
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.proc.pid:
                children.add(int(stat.parent.name))
        return children

    def wait_for_new_workers(self, old: set[int], timeout: float = 10.0) -> None:
        """After a reload the old workers answer until they exit; a test must not meet them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = self.workers()
            if current and not current & old:
                return
            time.sleep(0.02)
        raise RuntimeError(f"nginx kept its old workers: {self.error_log()}")

    def reload(self, key_versions: dict[str, int]) -> None:
        """Rewrite the config (a revocation) and let nginx pick it up (SIGHUP), then wait."""
        self.params.key_versions = key_versions
        self.write()
        assert self.proc is not None
        old = self.workers()
        self.proc.send_signal(signal.SIGHUP)
        self.wait_for_new_workers(old)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def error_log(self) -> str:
        path = self.params.run_dir / "error.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def origin(run_dir: Path, hls_root: Path, secret: str, port: int | None = None) -> Nginx:
    return Nginx(
        NginxParams(
            role="origin",
            listen=f"127.0.0.1:{port or free_port()}",
            run_dir=run_dir,
            conf_path=run_dir / "nginx.conf",
            secret=secret,
            hls_root=hls_root,
        )
    )


def relay(run_dir: Path, origin_url: str, secret: str, port: int | None = None) -> Nginx:
    return Nginx(
        NginxParams(
            role="relay",
            listen=f"127.0.0.1:{port or free_port()}",
            run_dir=run_dir,
            conf_path=run_dir / "nginx.conf",
            secret=secret,
            origin_url=origin_url,
        )
    )


def wait_for[T](predicate: Callable[[], T], timeout: float, what: str, step: float = 0.2) -> T:
    """The predicate's first true value, polled until `timeout`; an AssertionError after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class LiveVideo:
    base: Path
    hls: Path
    stream_dir: Path
    secret: str
    supervisor: Supervisor
    origin: Nginx
    relay: Nginx


@contextmanager
def live_video(
    prefix: str,
    stream: str,
    ladder: Sequence[Rendition],
    secret: str,
    *,
    test_size: str = "256x144",
    dvr_window_s: int | None = None,
    ready: Callable[[LiveVideo], object] | None = None,
) -> Iterator[LiveVideo]:
    """ffmpeg's test picture cut into `ladder` under an origin and one relay, for the browser and
    streaming tests; yields once `ready` (by default: ffmpeg live) holds, and cleans everything."""
    missing = missing_engines()
    if missing:
        raise RuntimeError(MISSING.format(name=" and ".join(missing)))
    base = shared_tempdir(prefix)
    hls = base / "hls"
    stream_dir = hls / stream
    stream_dir.mkdir(parents=True)
    hls.chmod(0o755)
    command = build_command("testsrc", stream_dir, list(ladder), test_size=test_size, test_rate=10)
    dvr = DvrWriter(stream_dir, dvr_window_s) if dvr_window_s else None
    supervisor = Supervisor(command, stream_dir, stream, dvr=dvr)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    video = LiveVideo(
        base,
        hls,
        stream_dir,
        secret,
        supervisor,
        origin(base / "origin", hls, secret),
        relay(base / "relay", "", secret),
    )
    try:
        video.origin.start()
        video.relay.params.origin_url = video.origin.url
        video.relay.start()
        check = ready or (lambda v: v.supervisor.state.state == "live")
        wait_for(lambda: check(video), 30, f"ffmpeg: {supervisor.state}")
        yield video
    finally:
        supervisor.stop()
        thread.join(timeout=10)
        video.relay.stop()
        video.origin.stop()
        shutil.rmtree(base, ignore_errors=True)
