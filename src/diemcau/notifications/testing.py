"""Real servers on loopback for tests and benches: an SMTP server (aiosmtpd) and a fake HTTP SMS
gateway. Other apps' tests may use them too (alerts: escalation SMS).

    with FakeGateway() as gw, settings_for_gateway(settings, gw):
        ...  # gw.requests: what the gateway was asked; gw.fail_next(2, status=500)

    with SmtpSink() as smtp:  # smtp.messages: every message the server accepted
        settings.MAILERS = smtp.mailers()
"""

import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from diemcau.notifications.channels.base import Closing


@dataclass
class GatewayRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    fields: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0  # time.time() when the request arrived


class FakeGateway(Closing):
    """An HTTP SMS gateway on 127.0.0.1: answers 200 {"id": …} and records every request;
    `fail_next(n, status)` makes the next n requests fail with that status."""

    def __init__(self) -> None:
        self.requests: list[GatewayRequest] = []
        self.failures: list[int] = []
        self.always: int | None = None
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status = gateway._record(self.path, dict(self.headers), body)
                answer = (
                    json.dumps({"id": f"gw-{len(gateway.requests)}", "status": "accepted"})
                    if status == 200
                    else json.dumps({"error": "gateway busy", "code": status})
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def fail_next(self, n: int, status: int = 500) -> None:
        with self.lock:
            self.failures.extend([status] * n)

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        fields: dict[str, Any] = {}
        try:
            fields = json.loads(body)
        except ValueError:
            fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        with self.lock:
            self.requests.append(GatewayRequest(path, headers, body, fields, time.time()))
            if self.failures:
                return self.failures.pop(0)
            return self.always or 200

    def __enter__(self) -> "FakeGateway":
        self.thread.start()
        return self

    def _close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Any  # email.message.EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSink(Closing):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping every message it accepted.

    `keep=False` only counts (a bench's 11,000 messages need not stay in memory);
    `on_message(n)` is called after the n-th message was stored, before the server answers.
    """

    def __init__(self, keep: bool = True, on_message: Any = None) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Received] = []
        self.count = 0
        self.connections = 0
        self.keep = keep
        self.on_message = on_message
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.count += 1
                if sink.keep:
                    parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
                    sink.messages.append(
                        Received(envelope.mail_from, list(envelope.rcpt_tos), parsed)
                    )
                if sink.on_message is not None:
                    sink.on_message(sink.count)
                return "250 Message accepted for delivery"

        class CountingController(Controller):
            def factory(self) -> Any:
                sink.connections += 1
                return super().factory()

        self.controller = CountingController(Handler(), hostname="127.0.0.1", port=_free_port())

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        self.connections = 0  # the controller's own start-up probe is not a client
        return self

    def _close(self) -> None:
        self.controller.stop()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def mailers(self) -> dict[str, Any]:
        """A MAILERS setting whose default mailer is this server (tests: settings.MAILERS = …)."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": self.host, "port": self.port, "timeout": 10},
            }
        }

    def by_recipient(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.messages:
            for r in m.recipients:
                out[r] = out.get(r, 0) + 1
        return out
