import stat
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _private_sqlite_files(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The embedded database holds personal data: its files are the server user's alone (0600).

    SQLite creates the database with the process umask (usually 0644) and its -wal/-shm files
    with the database's mode, so tightening the three on every new connection is enough.
    """
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name.startswith(":memory:") or "mode=memory" in name:
        return
    for suffix in ("", "-wal", "-shm"):
        path = Path(name + suffix)
        try:
            if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
                path.chmod(0o600)
        except OSError:
            pass


class WebConfig(AppConfig):
    name = "diemcau.web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        connection_created.connect(_private_sqlite_files, dispatch_uid="diemcau-private-sqlite")
