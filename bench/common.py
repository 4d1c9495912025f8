"""What every bench shares: where results go and how they are kept per database."""

import argparse
import json
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def add_out_argument(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS_DIR / name,
        help=f"JSON file the figures are kept in, one entry per database (default results/{name})",
    )


def save(results: dict[str, Any], path: Path) -> None:
    """Print the figures and keep them under their database's key, beside the other's."""
    print(json.dumps(results, ensure_ascii=False, indent=2))  # noqa: T201 - a bench reports
    path.parent.mkdir(parents=True, exist_ok=True)
    stored: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    stored[results["database"]] = results
    path.write_text(json.dumps(stored, ensure_ascii=False, indent=2) + "\n")


# -- a real server for the HTTP benches ------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Until the server accepts connections; fail early when it has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
