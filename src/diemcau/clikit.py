"""What every `diemcau` subcommand shares: Django set up on demand, a progress bar fed by the
services' (done, total) callbacks, a Vietnamese failure, the acting scope and the file-size check.

`cli.py` assembles the command from the apps' `register` functions; the apps' CLI modules import
these helpers from here, never from `cli.py`, so the two do not import each other.
"""

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click


def setup() -> None:
    """Django, settings from the environment, and the CLI's language (DIEMCAU_LANG, vi)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    import django

    django.setup()
    from django.utils import translation

    translation.activate(os.environ.get("DIEMCAU_LANG", "vi"))


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A click progress bar fed by services' (done, total) callbacks."""
    bars: list[Any] = []
    done_so_far = [0]

    def update(done: int, total: int) -> None:
        if not bars:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            bars.append(bar)
        bars[0].update(done - done_so_far[0])
        done_so_far[0] = done

    try:
        yield update
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)


def fail(message: str) -> NoReturn:
    """Say what went wrong, in red on stderr, and exit 1."""
    click.secho(message, fg="red", err=True)
    raise SystemExit(1)


force_size_option = click.option(
    "--force-size",
    is_flag=True,
    help="Import a file larger than the upload limit (DIEMCAU_UPLOAD_MAX_MB, default 50).",
)


def check_import_size(file: Path, force_size: bool) -> None:
    """Refuse a file the web pages would refuse, with their message, unless --force-size."""
    from diemcau.uploads import UploadTooLarge, check_path

    if not force_size:
        try:
            check_path(file)
        except UploadTooLarge as exc:
            fail(f"{exc.message} Từ dòng lệnh, thêm --force-size để vẫn nhập tệp này.")


def scope_for_cli(username: str | None) -> Any:
    """The CLI runs as the server's operator (everything) unless --as-user narrows it."""
    from django.contrib.auth import get_user_model

    from diemcau.accounts.scopes import Scope, scope_for

    if username is None:
        return Scope(user_id=0, everything=True)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        fail(f"Không có người dùng {username}")
    return scope_for(user)
