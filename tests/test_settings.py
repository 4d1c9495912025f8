import importlib

import pytest

from diemcau import settings


@pytest.fixture
def reload_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("DIEMCAU_DATA_DIR", str(tmp_path))

    def reload():
        return importlib.reload(settings)

    yield reload
    monkeypatch.undo()
    importlib.reload(settings)


def test_default_is_embedded_sqlite_with_immediate_transactions(
    monkeypatch, reload_settings, tmp_path
):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    s = reload_settings()
    db = s.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == tmp_path / "diemcau.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "locmem" in s.CACHES["default"]["BACKEND"]
    assert s.LANGUAGE_CODE == "vi"
    # The generated secret key is kept, so sessions survive a restart.
    assert reload_settings().SECRET_KEY == s.SECRET_KEY


def test_database_and_redis_urls_switch_to_production_services(monkeypatch, reload_settings):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5433/diemcau")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/1")
    s = reload_settings()
    db = s.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("db.example", 5433, "diemcau")
    assert s.CACHES["default"]["LOCATION"] == "redis://127.0.0.1:6379/1"


def test_https_public_url_turns_on_hsts_and_secure_cookies(monkeypatch, reload_settings):
    monkeypatch.setenv("DIEMCAU_PUBLIC_URL", "https://diemcau.example.vn")
    s = reload_settings()
    assert s.SECURE_HSTS_SECONDS >= 31_536_000
    assert s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE
    monkeypatch.setenv("DIEMCAU_PUBLIC_URL", "http://127.0.0.1:8000")
    s = reload_settings()
    # Plain HTTP (the embedded default): a Secure cookie would never come back, HSTS would lie.
    assert s.SECURE_HSTS_SECONDS == 0
    assert not s.SESSION_COOKIE_SECURE


def test_data_folder_and_database_are_private(tmp_path):
    """A fresh data folder is 0700; the SQLite database and its WAL files 0600."""
    import os
    import stat
    import subprocess
    import sys

    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DIEMCAU_DATA_DIR"] = str(data)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='diemcau.settings'; "
        "django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('CREATE TABLE t (x)'); "
        "c.execute('INSERT INTO t VALUES (1)')"
    )
    # umask 022 as on a default server account: files would be world-readable without the fix
    subprocess.run(
        [sys.executable, "-c", f"import os; os.umask(0o022); exec({code!r})"],
        env=env,
        check=True,
        timeout=60,
    )
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    made = sorted(p.name for p in data.iterdir())
    assert "diemcau.sqlite3" in made and "secret_key" in made
    for path in data.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path.name, oct(path.stat().st_mode))
