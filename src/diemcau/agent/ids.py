"""Client ids for queued actions: UUID version 7 (RFC 9562), time first.

The id is the server's idempotency key and the check-in table's primary key. Random (v4) ids
land on random pages of that index; time-ordered ids append to it, which the attendance bench
measured at about 1.5× the batch throughput on SQLite. 48 bits of milliseconds, then 74 random.
"""

import os
import time
import uuid


def uuid7(ms: int | None = None, rand: bytes | None = None) -> uuid.UUID:
    stamp = int(time.time() * 1000) if ms is None else ms
    tail = int.from_bytes(rand if rand is not None else os.urandom(10), "big") & ((1 << 80) - 1)
    value = (stamp & ((1 << 48) - 1)) << 80 | tail
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)
