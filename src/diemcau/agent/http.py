"""A small JSON-over-HTTP client on one kept-alive connection (standard library only).

The agent runs on a site's PC, often on a weak link: one TCP (or TLS) connection reused for
every request, a timeout on each, and every network failure turned into `Offline` so that the
caller keeps its queue and tries again later.
"""

import http.client
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class Offline(Exception):
    """No answer from the server (refused, reset, timed out, 5xx): try again later."""


class Refused(Exception):
    """The server answered no for good (bad token, no right, endpoint missing)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Response:
    status: int
    data: Any


class JsonClient:
    def __init__(self, server: str, token: str, timeout: float = 15.0) -> None:
        parts = urlsplit(server.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"Địa chỉ máy chủ không hợp lệ: “{server}” (ví dụ http://host:8000)")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.prefix = parts.path
        self.token = token
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self.scheme == "https":
                self._conn = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, body: Any = None) -> Response:
        """One request; 2xx and 422 come back, 5xx and network errors raise Offline."""
        payload = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            conn = self._connection()
            conn.request(method, self.prefix + path, body=payload, headers=headers)
            raw = conn.getresponse()
            status, content = raw.status, raw.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()  # a broken keep-alive connection is not reused
            raise Offline(f"{type(exc).__name__}: {exc}") from None
        try:
            data = json.loads(content) if content else None
        except ValueError:
            data = content.decode(errors="replace")[:500]
        if status >= 500:
            raise Offline(f"HTTP {status}")
        if status in (401, 403, 404, 405):
            detail = data.get("detail", "") if isinstance(data, dict) else str(data)
            raise Refused(status, detail)
        return Response(status, data)

    def post(self, path: str, body: Any) -> Response:
        return self.request("POST", path, body)
