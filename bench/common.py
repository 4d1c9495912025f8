"""What every bench shares: where results go and how they are kept per database."""

import argparse
import json
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
