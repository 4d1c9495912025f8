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
