"""The folder where the app-server processes leave their request counters for each other."""

import os
import shutil
from pathlib import Path


def prepare(data_dir: Path) -> Path:
    """Start the counters afresh for a server about to start (its processes inherit the
    variable): figures of processes from an earlier run must not be added to the new ones."""
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or data_dir / "metrics")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder
