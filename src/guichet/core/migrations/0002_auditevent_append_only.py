"""Make the audit trail append-only in the database itself, not only in the ORM.

UPDATE is always refused. DELETE is refused for rows younger than 729 days: the retention rule
in core/privacy.py deletes after 730 days, and the one-day margin keeps clock differences
between application and database from failing a sweep. PostgreSQL's TRUNCATE (used by
``flush``) does not fire row triggers; keep TRUNCATE away from the application's role.

Caution for later migrations: on SQLite, altering core_auditevent rebuilds the table and drops
these triggers; re-create them in that migration (tests/core/test_audit_append_only.py fails otherwise).
"""

from django.db import migrations

PROTECTED_DAYS = 729

SQLITE_CREATE = [
    """
    CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """,
    f"""
    CREATE TRIGGER core_auditevent_no_early_delete BEFORE DELETE ON core_auditevent
    WHEN OLD."at" > strftime('%Y-%m-%d %H:%M:%f', 'now', '-{PROTECTED_DAYS} days')
    BEGIN SELECT RAISE(ABORT, 'audit events are kept for their retention period'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TRIGGER IF EXISTS core_auditevent_no_early_delete",
]
POSTGRES_CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD."at" > now() - interval '{PROTECTED_DAYS} days' THEN
            RAISE EXCEPTION 'audit events are kept for their retention period'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent",
    "DROP FUNCTION IF EXISTS core_auditevent_append_only()",
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def create_triggers(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE})


def drop_triggers(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
