"""The project's labelled Vietnamese question set: paraphrase groups with their sector.

Written by the project (not real questions); used by the routing seed, the tests and the bench.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "data" / "labelled_questions.json"


@dataclass(frozen=True)
class Labelled:
    text: str
    group: str
    sector: str


@cache
def labelled_questions() -> tuple[Labelled, ...]:
    data = json.loads(PATH.read_text(encoding="utf-8"))
    return tuple(
        Labelled(text=text, group=group["id"], sector=group["sector"])
        for group in data["groups"]
        for text in group["questions"]
    )


HELDOUT_PATH = Path(__file__).resolve().parent / "data" / "heldout_questions.json"


@cache
def heldout_questions() -> tuple[Labelled, ...]:
    """The held-out set, written apart from the engine: measured on, never tuned on."""
    data = json.loads(HELDOUT_PATH.read_text(encoding="utf-8"))
    return tuple(
        Labelled(text=q["text"], group=str(q["group"]), sector=q["sector"])
        for q in data["questions"]
    )
