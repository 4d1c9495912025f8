"""What the site console does, without a browser: heartbeats and syncing the queue.

`Agent.tick()` is one round — a heartbeat, then every queued kind sent in order — and `run()`
repeats it every `interval` seconds. Each kind is sent the way its endpoint takes it: check-ins
in batches of up to 1,000 (one request, one answer per scan), headcounts and questions one by one
(each carries its client UUID). Whatever the server answers for an item is final and leaves the
queue; no answer (network, 5xx) leaves everything queued for the next round, with a growing
pause so a site that lost its link does not hammer the server when it returns.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from diemcau.agent.http import JsonClient, Offline, Refused
from diemcau.agent.outbox import Outbox, Outcome

VERSION = "agent-1"
CHECKIN_BATCH = 1000
MAX_PAUSE = 60.0


class TokenRefused(Exception):
    """401: the token is wrong or revoked; nothing will get through until it is replaced."""


@dataclass
class TickReport:
    online: bool = True
    heartbeat: bool = False
    sent: dict[str, int] = field(default_factory=dict)
    error: str = ""


@dataclass
class Agent:
    site: str
    client: JsonClient
    outbox: Outbox
    session: str = ""
    interval: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    _failures: int = 0

    def heartbeat(self) -> None:
        queued = sum(self.outbox.pending().values())
        self.client.post(
            "/api/v1/heartbeats",
            {"site": self.site, "session": self.session, "queued": queued, "version": VERSION},
        )

    def tick(self) -> TickReport:
        """One round; never raises for a network failure (the report says offline)."""
        report = TickReport()
        try:
            self.heartbeat()
            report.heartbeat = True
            report.sent["checkin"] = self._sync_checkins()
            report.sent["headcount"] = self._sync_each("headcount", self._headcount_path)
            report.sent["question"] = self._sync_each("question", lambda _b: "/api/v1/questions/")
            self._failures = 0
        except Offline as exc:
            report.online = False
            report.error = str(exc)
            self._failures += 1
        except Refused as exc:
            if exc.status == 401:
                raise TokenRefused(exc.detail or "token bị từ chối") from None
            report.error = str(exc)
        return report

    def pause(self) -> float:
        """Seconds until the next round: the interval, doubled per failed round up to a minute."""
        return min(MAX_PAUSE, self.interval * (2 ** min(self._failures, 6)))

    def run(
        self, rounds: int | None = None, on_tick: Callable[[TickReport], None] | None = None
    ) -> None:
        done = 0
        while rounds is None or done < rounds:
            report = self.tick()
            if on_tick is not None:
                on_tick(report)
            done += 1
            if rounds is None or done < rounds:
                self.sleep(self.pause())

    # -- sending -----------------------------------------------------------------------------
    def _sync_checkins(self) -> int:
        sent = 0
        while items := self.outbox.take("checkin", CHECKIN_BATCH):
            scans = [{"id": item.id, **item.body} for item in items]
            try:
                answer = self.client.post("/api/v1/checkins", {"scans": scans})
            except Offline as exc:
                self.outbox.failed([i.id for i in items], str(exc))
                raise
            if answer.status == 422:  # the batch itself was refused: the items cannot pass
                self.outbox.acknowledge(
                    "checkin",
                    [Outcome(i.id, "rejected", "invalid", _detail(answer.data)) for i in items],
                )
            else:
                results = answer.data.get("results", []) if isinstance(answer.data, dict) else []
                known = {i.id for i in items}
                outcomes = [
                    Outcome(
                        str(r["id"]), r["status"], r.get("reason") or "", r.get("delegate") or ""
                    )
                    for r in results
                    if str(r.get("id")) in known
                ]
                if len(outcomes) != len(items):  # an answer that does not match: keep all
                    self.outbox.failed(known, "câu trả lời không khớp lô đã gửi")
                    raise Offline("unexpected check-in answer")
                self.outbox.acknowledge("checkin", outcomes)
            sent += len(items)
        return sent

    def _sync_each(self, kind: str, path_for: Callable[[dict[str, Any]], str]) -> int:
        sent = 0
        while items := self.outbox.take(kind, 100):
            for item in items:
                body = dict(item.body)
                if kind == "question":
                    body["client_id"] = item.id
                else:
                    body["id"] = item.id
                try:
                    answer = self.client.post(path_for(body), body)
                except Offline as exc:
                    self.outbox.failed([item.id], str(exc))
                    raise
                except Refused as exc:
                    if exc.status == 401:
                        raise
                    outcome = Outcome(item.id, "rejected", f"http_{exc.status}", exc.detail)
                else:
                    duplicate = isinstance(answer.data, dict) and answer.data.get("duplicate")
                    if answer.status == 422:
                        outcome = Outcome(item.id, "rejected", "invalid", _detail(answer.data))
                    else:
                        outcome = Outcome(item.id, "duplicate" if duplicate else "accepted")
                self.outbox.acknowledge(kind, [outcome])
                sent += 1
        return sent

    def _headcount_path(self, body: dict[str, Any]) -> str:
        site = body.pop("site", self.site)
        return f"/api/v1/sites/{quote(site, safe='')}/headcounts"


def _outcome(result: dict[str, Any]) -> Outcome:
    return Outcome(
        str(result["id"]),
        str(result["status"]),
        str(result.get("reason") or ""),
        str(result.get("delegate") or ""),
    )


def _detail(data: Any) -> str:
    if isinstance(data, dict):
        return str(data.get("detail", ""))[:500]
    return str(data)[:500]
