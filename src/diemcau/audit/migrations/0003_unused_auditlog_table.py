"""auditlog's own table, unused since entries go to audit_entry, stops referencing other tables.

django-auditlog's migrations create `auditlog_logentry` even when AUDITLOG_LOGENTRY_MODEL points
elsewhere, and Django then no longer knows that table: `flush` (every transactional test, a
restore) truncates `django_content_type` and `auth_user` without it, which PostgreSQL refuses
while the table's foreign keys point at them. The table stays (auditlog's later migrations may
alter it), empty and without those two constraints.
"""

from typing import Any

from django.db import migrations

DROP_FOREIGN_KEYS = """
DO $$
DECLARE name text;
BEGIN
    IF to_regclass('auditlog_logentry') IS NOT NULL THEN
        FOR name IN SELECT conname FROM pg_constraint
                    WHERE conrelid = 'auditlog_logentry'::regclass AND contype = 'f'
        LOOP
            EXECUTE format('ALTER TABLE auditlog_logentry DROP CONSTRAINT %I', name);
        END LOOP;
    END IF;
END
$$;
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP_FOREIGN_KEYS)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only"), ("auditlog", "0017_add_actor_email")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
