"""A small reader of gettext catalogues (.po), enough for the translation checks.

No dependency: the entries, their context, plural forms, flags and whether a translation is
missing. Writes nothing.
"""

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def untranslated(self) -> bool:
        return self.fuzzy or not self.msgstr or any(not s for s in self.msgstr)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid


def _string(line: str) -> str:
    return str(ast.literal_eval(line.strip()))


def parse(path: Path) -> list[Entry]:  # noqa: PLR0912 - one branch per line kind
    """Every entry except the header (msgid "") and obsolete (#~) ones."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None
    started = False

    def close() -> None:
        nonlocal current, started
        if started and current.msgid and not current.obsolete:
            entries.append(current)
        current, started = Entry(), False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            current.obsolete = True
            continue
        if line.startswith("#,"):
            if started:
                close()
            current.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            if started:
                close()
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None:
                continue
            name, index = target
            text = _string(line)
            if name == "msgstr":
                current.msgstr[index] += text
            else:
                setattr(current, name, (getattr(current, name) or "") + text)
            continue
        if keyword in ("msgctxt", "msgid") and started and (keyword == "msgctxt" or current.msgstr):
            close()
        started = True
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            while len(current.msgstr) <= index:
                current.msgstr.append("")
            current.msgstr[index] = _string(rest)
            target = ("msgstr", index)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(current, keyword, _string(rest))
            target = (keyword, 0)
    close()
    return entries
