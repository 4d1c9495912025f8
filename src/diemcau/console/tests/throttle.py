"""A site's thin link on loopback: a TCP proxy that shapes what it carries to one shared rate.

Every port it forwards (the relay, the origin…) goes through the same token bucket, as a commune
hall's one line carries all of its player's requests. `link.rate_bps = 100_000` shapes it to
100 kbit/s, `0` cuts it (connections stay open and carry nothing), `None` lifts the limit. Only
the answers (server → browser) are shaped; the requests are a few hundred bytes.

The proxy runs its own asyncio loop in a daemon thread; `close()` ends it and every connection.
"""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

CHUNK = 1460  # about one TCP segment: the shaping stays smooth at 100 kbit/s
BURST = 4 * CHUNK


class Link:
    def __init__(self) -> None:
        self.rate_bps: int | None = None
        self._tokens = 0.0
        self._stamp = 0.0
        self.carried = 0  # bytes sent to the browser, for the tests' own checks
        self.loop = asyncio.new_event_loop()
        self._servers: list[asyncio.Server] = []
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    async def _take(self, n: int) -> None:
        while True:
            rate = self.rate_bps
            now = self.loop.time()
            if rate is None:
                self._stamp = now
                self._tokens = BURST
                return
            self._tokens = min(BURST, self._tokens + (now - self._stamp) * rate / 8)
            self._stamp = now
            if rate > 0 and self._tokens >= n:
                self._tokens -= n
                return
            await asyncio.sleep(0.1 if rate <= 0 else max(0.001, (n - self._tokens) * 8 / rate))

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, shaped: bool
    ) -> None:
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                if shaped:
                    await self._take(len(data))
                    self.carried += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def forward(self, target_port: int) -> int:
        """Listen on a free loopback port and carry its connections to `target_port`."""

        async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
            try:
                up_r, up_w = await asyncio.open_connection("127.0.0.1", target_port)
            except OSError:
                client_w.close()
                return
            # The browser hanging up (an aborted fragment) ends the answer at once: bytes of a
            # dead connection must not go on taking the line's share from the live ones.
            pumps = [
                asyncio.ensure_future(self._pump(client_r, up_w, shaped=False)),
                asyncio.ensure_future(self._pump(up_r, client_w, shaped=True)),
            ]
            _done, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            up_w.close()
            client_w.close()

        async def start() -> int:
            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            self._servers.append(server)
            return int(server.sockets[0].getsockname()[1])

        return asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=5)

    def close(self) -> None:
        async def stop() -> None:
            for server in self._servers:
                server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


@contextmanager
def link() -> Iterator[Link]:
    shaped = Link()
    try:
        yield shaped
    finally:
        shaped.close()
