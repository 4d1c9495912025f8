"""The big import on two cores: one process reads and checks, the other writes.

A 1.5-million-row file spends about half its time reading and checking rows in Python and half
inserting them and building indexes. Threads cannot overlap the two (the checking loop holds the
GIL, and sqlite3 needs it back for every row it binds: tried, slower), so the checking goes to a
forked child process. The child inherits, by fork, everything the check needs — the site index,
the CCCD hashes already registered, the reserved ids, the open file — and sends the checked rows
back in chunks, pickled, while the parent writes the previous chunk inside its transaction. The
child never touches the database: the parent alone holds the connection and the write lock.

The check itself is the same function as in one process (importing._check_rows), so both ways
give the same report and the same rows; tests run both. Fork is used only where it is safe and
pays: on a platform with fork, in a process with no other thread (the CLI; a web worker's
background task stays in-process), for files of at least MIN_ROWS rows.
"""

import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any

from diemcau.tabular import Row, TableError

log = logging.getLogger(__name__)
# What the person importing reads when the checking process failed; the cause is logged.
_STOPPED = (
    "Không kiểm tra xong tệp: tiến trình đọc tệp dừng giữa chừng; không có gì được ghi. "
    "Hãy thử lại; nếu vẫn lỗi, hãy báo quản trị hệ thống (chi tiết đã ghi vào nhật ký)."
)

MIN_ROWS = 50_000
Progress = Callable[[int, int], None]


def available(rows: int) -> bool:
    """Forking is safe (a single thread) and worth it (a big file)."""
    return (
        rows >= MIN_ROWS
        and hasattr(os, "fork")
        and "fork" in multiprocessing.get_all_start_methods()
        and single_threaded()
        and os.environ.get("DIEMCAU_IMPORT_FORK", "1") != "0"
    )


def single_threaded() -> bool:
    """No other thread could hold a lock the child would inherit locked (e.g. a web worker's)."""
    return threading.active_count() == 1


def check_in_child(
    check: Callable[..., int],
    rows: Iterable[Row],
    report: Any,
    *,
    sink: Callable[[list[Any]], None],
    progress: Progress | None,
    **kwargs: Any,
) -> int:
    """Run check(rows=…, report=…, sink=…, progress=…, **kwargs) in a child; write here.

    Returns what `check` returns and leaves `report` as the child's check left it. A TableError
    raised in the child (a broken file) is raised again here.
    """
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_child,
        args=(sender, check, rows, report, kwargs),
        kwargs={"with_progress": progress is not None},
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        return _receive(receiver, report, sink, progress)
    finally:
        receiver.close()
        child.join(timeout=30)
        if child.is_alive():  # pragma: no cover - only if the parent gave up early
            child.kill()
            child.join()


def _receive(
    receiver: Connection, report: Any, sink: Callable[[list[Any]], None], progress: Progress | None
) -> int:
    while True:
        try:
            # Our own forked child wrote these bytes: nothing untrusted is unpickled.
            message = pickle.loads(receiver.recv_bytes())  # noqa: S301
        except EOFError:
            # Killed (out of memory, by an operator): nothing was written; say so in Vietnamese.
            log.error("the checking process stopped without a result")
            raise TableError(_STOPPED) from None
        kind = message[0]
        if kind == "rows":
            sink(message[1])
        elif kind == "progress":
            if progress is not None:
                progress(message[1], message[2])
        elif kind == "done":
            good, state = message[1], message[2]
            report.__dict__.update(state)
            return int(good)
        elif kind == "table-error":
            raise TableError(message[1], message[2])
        else:
            log.error("the checking process failed: %s", message[1])
            raise TableError(_STOPPED)


def _child(
    sender: Connection,
    check: Callable[..., int],
    rows: Iterable[Row],
    report: Any,
    kwargs: dict[str, Any],
    *,
    with_progress: bool,
) -> None:
    def send(message: tuple[Any, ...]) -> None:
        sender.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def progress(done: int, total: int) -> None:
        send(("progress", done, total))

    try:
        good = check(
            rows=rows,
            report=report,
            sink=lambda chunk: send(("rows", chunk)),
            progress=progress if with_progress else None,
            **kwargs,
        )
        send(("done", good, report.__dict__))
    except TableError as exc:
        send(("table-error", exc.message, exc.row))
    except BaseException as exc:  # reported to the parent, which raises
        send(("error", repr(exc)))
    finally:
        sender.close()
