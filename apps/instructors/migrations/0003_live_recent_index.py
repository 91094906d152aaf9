"""Search without a subject pre-ranks the newest live instructors first
(`went_live_at DESC NULLS LAST`): on PostgreSQL this partial index hands them over in order
instead of a sort of every live instructor per search. SQLite cannot index NULLS LAST; the
embedded demo is small enough without it."""

from django.db import migrations

INDEX = "instructor_live_recent_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON instructors_instructorprofile (went_live_at DESC NULLS LAST) "
            "WHERE status = 'live'"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("instructors", "0002_messaging_meeting_link")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
