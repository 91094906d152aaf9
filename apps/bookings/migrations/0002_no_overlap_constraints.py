from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from apps.core.migration_ops import PostgresOnlySQL

ACTIVE = "status IN ('pending', 'confirmed')"


class Migration(migrations.Migration):
    """No two active bookings of one instructor overlap (lesson + buffer after it), and no
    two active bookings of one student overlap — enforced by the database, even under
    concurrent requests."""

    dependencies = [("bookings", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        PostgresOnlySQL(
            sql=(
                "ALTER TABLE bookings_booking ADD CONSTRAINT booking_instructor_no_overlap "
                "EXCLUDE USING gist (instructor_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&) "
                f"WHERE ({ACTIVE})"
            ),
            reverse_sql="ALTER TABLE bookings_booking DROP CONSTRAINT booking_instructor_no_overlap",
        ),
        PostgresOnlySQL(
            sql=(
                "ALTER TABLE bookings_booking ADD CONSTRAINT booking_student_no_overlap "
                "EXCLUDE USING gist (student_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
                f"WHERE ({ACTIVE})"
            ),
            reverse_sql="ALTER TABLE bookings_booking DROP CONSTRAINT booking_student_no_overlap",
        ),
    ]
