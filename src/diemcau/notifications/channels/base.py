"""The one interface every channel (e-mail, SMS, Zalo ZNS) is written to.

A sending task opens one `Batch` per channel and hands it messages one by one: an SMTP
connection or an HTTP keep-alive connection is opened once and reused for the whole batch.
`send` never raises for a refusal: it answers an `Outcome` — accepted, or refused with the
server's or gateway's own answer and whether trying again later may help.
"""

from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self


@dataclass(frozen=True)
class Outgoing:
    key: str  # the delivery's idempotency key (a Message-ID for e-mail, a reference for SMS)
    address: str  # e-mail address, or phone as 0XXXXXXXXX
    text: str
    subject: str = ""
    from_email: str = ""
    reply_to: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    answer: str = ""  # what the server or gateway said (kept on the delivery, shown to people)
    retry: bool = False  # a refusal that may pass later (timeout, 4xx SMTP, HTTP 429/5xx)
    gateway_id: str = ""
    parts: int = 0


class Batch(Protocol):
    """An open connection to one channel's server; a context manager."""

    def send(self, message: Outgoing) -> Outcome: ...

    def __enter__(self) -> "Batch": ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Closing:
    """A context manager that closes what it opened on the way out, error or not: the batches
    of every channel (a dropped SMTP or HTTP connection must not linger) and the test servers.
    Subclasses write `_close` only."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()

    def _close(self) -> None:
        return None


class Channel(Protocol):
    name: str

    def normalise(self, address: str) -> str:
        """The stored form of an address, or "" when it cannot be reached on this channel."""
        ...

    def prepare(self, text: str) -> str:
        """The text as the channel will send it (SMS: diacritics stripped if so configured)."""
        ...

    def batch(self, reuse: bool = True) -> Batch:
        """An open batch; reuse=False opens a connection per message (the naive path)."""
        ...


class ChannelError(Exception):
    """A channel cannot be used at all (not configured); said to the organiser in Vietnamese."""
