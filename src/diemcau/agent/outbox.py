"""The agent's on-disk queue: what a site did, kept until the server has acknowledged it.

Every action gets its client UUID when it is queued, and that UUID is the server's idempotency
key, so an item sent twice (the answer was lost on the way back, the agent was killed between
sending and deleting) is counted once. An item leaves the queue only when the server answered for
it — accepted, duplicate or rejected with a reason — and its outcome is kept in `outcomes` so the
operator can see the rejections. SQLite in WAL mode with synchronous=FULL: a power cut right after
`add` returns loses nothing.
"""

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from diemcau.agent.ids import uuid7

KINDS = ("checkin", "headcount", "question")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS outcomes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    answered_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    id: str
    status: str  # accepted | duplicate | rejected
    reason: str = ""
    detail: str = ""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Outbox:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Outbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, kind: str, body: dict[str, Any], item_id: str | None = None) -> str:
        """Queue one action; returns its client UUID (given, or a new one)."""
        return self.add_many(kind, [body], [item_id] if item_id else None)[0]

    def add_many(
        self, kind: str, bodies: Iterable[dict[str, Any]], ids: list[str] | None = None
    ) -> list[str]:
        if kind not in KINDS:
            raise ValueError(f"loại mục không hợp lệ: {kind}")
        stamp = now_iso()
        rows = []
        out = []
        for i, body in enumerate(bodies):
            item_id = ids[i] if ids else str(uuid7())
            out.append(item_id)
            rows.append((item_id, kind, json.dumps(body, ensure_ascii=False), stamp))
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR IGNORE INTO items (id, kind, body, queued_at) VALUES (?, ?, ?, ?)", rows
            )
        return out

    def take(self, kind: str, limit: int) -> list[Item]:
        """The oldest `limit` items of `kind`, left in the queue until acknowledged."""
        cursor = self._db.execute(
            "SELECT id, kind, body FROM items WHERE kind = ? ORDER BY seq LIMIT ?", (kind, limit)
        )
        return [Item(i, k, json.loads(b)) for i, k, b in cursor.fetchall()]

    def acknowledge(self, kind: str, outcomes: Iterable[Outcome]) -> None:
        """The server answered for these: forget the items, keep their outcomes."""
        stamp = now_iso()
        rows = [(o.id, kind, o.status, o.reason, o.detail, stamp) for o in outcomes]
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR REPLACE INTO outcomes (id, kind, status, reason, detail, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._db.executemany("DELETE FROM items WHERE id = ?", [(r[0],) for r in rows])

    def failed(self, ids: Iterable[str], error: str) -> None:
        """A try that got no answer: the items stay, with the error and one more attempt."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "UPDATE items SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                [(error, i) for i in ids],
            )

    def pending(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for kind, n in self._db.execute("SELECT kind, COUNT(*) FROM items GROUP BY kind"):
            counts[kind] = n
        return counts

    def outcome_counts(self) -> dict[tuple[str, str], int]:
        cursor = self._db.execute("SELECT kind, status, COUNT(*) FROM outcomes GROUP BY 1, 2")
        return {(kind, status): n for kind, status, n in cursor}

    def rejections(self, limit: int = 50) -> list[tuple[str, str, str, str]]:
        cursor = self._db.execute(
            "SELECT id, kind, reason, detail FROM outcomes WHERE status = 'rejected' "
            "ORDER BY answered_at DESC LIMIT ?",
            (limit,),
        )
        return list(cursor.fetchall())
