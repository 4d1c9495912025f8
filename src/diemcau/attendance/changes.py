"""One figure `diemcau counters rebuild` had to correct.

Its own module because two recounts make them: attendance's (recount.py) and the operations
app's report counters (operations/counters.py), which recount.py calls; neither imports the other
for it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """One figure the rebuild had to correct."""

    counter: str  # registered | session | completion | minute | connected | outage
    site: str  # site code ("cả nước" for the national minute counter)
    where: str  # "" | "phiên 12" | "hội nghị 3"
    figure: str
    before: int | None
    after: int | None

    def describe(self) -> str:
        place = f" ({self.where})" if self.where else ""
        before = "—" if self.before is None else self.before
        after = "—" if self.after is None else self.after
        return f"{self.counter} {self.site}{place} {self.figure}: {before} → {after}"
