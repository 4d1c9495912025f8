"""The audit trail's one entry point for events that are not a model save.

Imports, exports, purges, revocations and batch writes (check-ins, heartbeats) call
`record_event` once per operation, with counts, never once per row.
"""

from collections.abc import Mapping
from typing import Any


def record_event(
    action: str,
    subject: str,
    *,
    actor: Any = None,
    unit: Any = None,
    counts: Mapping[str, int] | None = None,
    detail: str = "",
    remote_addr: str | None = None,
) -> None:
    """Record one operation: e.g. record_event("import", "delegates", actor=user, unit=unit,
    counts={"created": 120, "rejected": 3}, detail="ds-dai-bieu.xlsx").

    `actor` is a user (None for the system or a CLI run without --as-user), `unit` the unit
    whose organisers may read the entry (None: central only). Placeholder until the audit app
    lands: it records nothing yet.
    """
