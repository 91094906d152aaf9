"""The embedded default (`make run`) runs on SQLite, which has no exclusion constraints: there
the booking service's re-checks, inside IMMEDIATE transactions that serialize writers, are
the whole of "no double booking". The suite's own database is PostgreSQL, so this test runs
the real services in a child process (apps/bookings/tests/outside.py) against a fresh SQLite
file, migrated as `make run` migrates it:

* 8 threads at once book one student with 8 different (free) instructors at the same
  instant: exactly one booking, and the 7 others are told the truth ("You already have a
  lesson at that time", code student_busy), not "that time was just taken";
* moving another of the student's lessons into that time is refused the same way;
* an Idempotency-Key whose request died mid-way stays "in progress" (409 with Retry-After)
  only for its lease, then a retry runs exactly once.
"""

from __future__ import annotations

from pathlib import Path

from apps.bookings.tests.outside import child_env, run_outside


def test_on_sqlite_one_student_is_never_in_two_lessons_at_once(tmp_path: Path) -> None:
    result = run_outside("sqlite-race", child_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "var"))
    assert result["race"] == ["booked"] + ["student_busy"] * 7
    assert result["student_bookings"] == 1
    assert result["reschedule"] == "student_busy"
    assert result["lease"] == {"lease_seconds": 120.0, "during": ["request_in_progress", 115], "after": [201, 1]}
