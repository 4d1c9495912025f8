"""The live-operations clock (seconds since the epoch), in a module of its own.

Heartbeat states, incidents and the status roll-up all read it; tests replace `now` to move time
without sleeping. Kept below services and incidents so neither has to import the other for it.
"""

import time
from collections.abc import Callable

now: Callable[[], float] = time.time
