"""A server killed after committing a check-in batch and before answering: the driver's retry is
answered "duplicate" for scans it sent once. Those were accepted, once, by the try whose answer
was lost, and the reconciliation must count them so (the killed 35k day showed 970 of them as a
mismatch although every person was counted exactly once)."""

from typing import Any

from diemcau.agent.http import Offline, Response
from diemcau.simulation.driver import Driver


class LosesFirstAnswer:
    """Commits every batch; the first answer is lost (the server died), later ones arrive."""

    def __init__(self) -> None:
        self.stored: set[str] = set()
        self.calls = 0

    def post(self, path: str, body: Any) -> Response:
        self.calls += 1
        results = []
        for scan in body["scans"]:
            seen = scan["id"] in self.stored
            self.stored.add(scan["id"])
            results.append({"id": scan["id"], "status": "duplicate" if seen else "accepted"})
        if self.calls == 1:
            raise Offline("connection reset: the server was killed after its commit")
        return Response(200, {"results": results})


class OneClientDriver(Driver):
    def __init__(self, client: LosesFirstAnswer) -> None:
        super().__init__("http://unused.invalid", "token", 1, workers=1)
        self.fake = client

    def _client(self) -> Any:
        return self.fake


def scans(prefix: str, n: int) -> list[tuple[str, str, str, str]]:
    return [
        (f"{prefix}-{i}", f"badge-{i}", "SITE-1", "2025-06-14T08:00:00+07:00") for i in range(n)
    ]


def test_a_retried_batchs_duplicates_count_as_accepted_once(monkeypatch):
    monkeypatch.setattr("diemcau.simulation.driver.time.sleep", lambda _s: None)
    server = LosesFirstAnswer()
    driver = OneClientDriver(server)
    driver.checkins(scans("first", 3))
    assert server.calls == 2 and not driver.tally.errors
    assert driver.tally.statuses["checkin:duplicate_after_retry"] == 3
    assert driver.tally.statuses["checkin:accepted"] == 0
    # A resend is a duplicate by design, retried or not: it stays one, never "accepted".
    driver.checkins(scans("first", 3), "checkin_resend")
    assert driver.tally.statuses["checkin_resend:duplicate"] == 3
    assert "checkin_resend:duplicate_after_retry" not in driver.tally.statuses
