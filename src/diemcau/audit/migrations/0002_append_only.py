"""The database itself refuses to change or remove an audit entry.

PostgreSQL: a row trigger refuses DELETE always and UPDATE unless a RewritePermit row is visible
(only inside the transaction of `services.redact_personal`, which writes and removes it). TRUNCATE
is left alone: it is what a test run or a restore uses to empty a database, not an edit.

SQLite: the same for UPDATE. DELETE is refused by the ORM only: Django empties an SQLite database
(tests, `flush`) with DELETE FROM, which a trigger cannot tell from an edit.
"""

from typing import Any

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_rewritepermit) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_entry
WHEN NOT EXISTS (SELECT 1 FROM audit_rewritepermit)
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_entry_append_only;"


def _run(sql: dict[str, str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        statement = sql.get(schema_editor.connection.vendor)
        if statement:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
