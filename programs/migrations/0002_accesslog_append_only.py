"""The database itself refuses to change the access log (NEN 7513: the application cannot alter
it). PostgreSQL: a row trigger refuses UPDATE and DELETE. SQLite (local development only): a
trigger refuses UPDATE; DELETE stays possible there because Django's test flush uses DELETE."""

from django.db import migrations

TABLE = "programs_accesslogentry"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION programs_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{TABLE} is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER programs_accesslog_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION programs_accesslog_append_only();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS programs_accesslog_append_only ON {TABLE};
DROP FUNCTION IF EXISTS programs_accesslog_append_only();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER programs_accesslog_append_only BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS programs_accesslog_append_only;"


def forward(apps, schema_editor):
    sql = {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}.get(
        schema_editor.connection.vendor
    )
    if sql:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    sql = {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(
        schema_editor.connection.vendor
    )
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
