"""Availability storage.

A local day's availability is one 48-bit mask of 30-minute cells (bit i = local wall time
[i·30, i·30 + 30) minutes after midnight) in `AvailabilityDay`; a day without a row is
unavailable. A mask per day keeps a week to at most seven small rows, makes "replace the
week" a delete plus one bulk insert, and lets search ask "who is free tomorrow afternoon"
with one bitwise AND over an index on date.

`AvailabilityWeek` is the version row of one instructor-week (Monday-start, local dates):
every write of the week's days locks it and bumps it in the same transaction, so concurrent
writers serialize on it. The ETag is not stored: it is the hash of the day rows, read under
that lock, so it can never drift from the content it stands for.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.availability.cells import CELLS_PER_DAY

FULL_DAY_MASK = (1 << CELLS_PER_DAY) - 1
BLACKOUT_REASON_MAX = 120


class AvailabilityWeek(models.Model):
    instructor = models.ForeignKey(
        "instructors.InstructorProfile", on_delete=models.CASCADE, related_name="availability_weeks"
    )
    week_start = models.DateField(help_text="The local Monday that starts the week.")
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instructor", "week_start"], name="availability_week_unique"),
            models.CheckConstraint(condition=Q(week_start__iso_week_day=1), name="availability_week_starts_monday"),
        ]

    def __str__(self) -> str:
        return f"{self.instructor_id} · week of {self.week_start}"


class AvailabilityDay(models.Model):
    instructor = models.ForeignKey(
        "instructors.InstructorProfile", on_delete=models.CASCADE, related_name="availability_days"
    )
    date = models.DateField(help_text="A local date in the instructor's time zone.")
    cells = models.BigIntegerField(help_text="Bit i set: open from i×30 min after local midnight for 30 min.")

    class Meta:
        constraints = [
            # The unique index (instructor, date) also serves every per-instructor range read.
            models.UniqueConstraint(fields=["instructor", "date"], name="availability_day_unique"),
            models.CheckConstraint(
                condition=Q(cells__gt=0) & Q(cells__lte=FULL_DAY_MASK), name="availability_day_cells_in_range"
            ),
        ]
        # Search filters every instructor on one date ("free tomorrow afternoon").
        indexes = [models.Index(fields=["date"], name="availability_day_date_idx")]

    def __str__(self) -> str:
        return f"{self.instructor_id} · {self.date}"


class BlackoutDate(models.Model):
    """A local date the instructor takes off: no slots, whatever the windows say."""

    instructor = models.ForeignKey("instructors.InstructorProfile", on_delete=models.CASCADE, related_name="blackouts")
    date = models.DateField()
    reason = models.CharField(max_length=BLACKOUT_REASON_MAX, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["instructor", "date"], name="blackout_unique_per_day")]

    def __str__(self) -> str:
        return f"{self.instructor_id} · off {self.date}"


FEED_LABEL_MAX = 60
FEED_URL_MAX = 2000


class ImportedCalendar(models.Model):
    """A private ICS address of one of the instructor's other calendars (school, another
    studio, a personal calendar). A periodic job fetches it; its busy times block open slots
    like bookings do. The address is a secret (it grants read access to that calendar), so
    pages show only its host."""

    instructor = models.ForeignKey(
        "instructors.InstructorProfile", on_delete=models.CASCADE, related_name="imported_calendars"
    )
    label = models.CharField(max_length=FEED_LABEL_MAX)
    url = models.CharField(max_length=FEED_URL_MAX)
    created_at = models.DateTimeField()
    # When the job should fetch next; a fetch in flight pushes it forward first (a lease), so
    # two workers never fetch the same feed at once and a crashed one is retried later.
    next_fetch_at = models.DateTimeField()
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Conditional-request validators from the last successful answer.
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    failure_count = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["instructor", "url"], name="imported_calendar_unique_url")]
        indexes = [models.Index(fields=["next_fetch_at"], name="imported_calendar_due_idx")]

    def __str__(self) -> str:
        return f"{self.instructor_id} · {self.label}"


class ExternalBusy(models.Model):
    """A busy stretch read from a calendar feed (merged, clipped to the booking horizon).
    A successful fetch replaces the feed's rows; a failed one leaves them as they were."""

    feed = models.ForeignKey(ImportedCalendar, on_delete=models.CASCADE, related_name="busy")
    instructor = models.ForeignKey("instructors.InstructorProfile", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="external_busy_positive")]
        # Slot and search reads ask "this instructor's (or these instructors') busy time
        # overlapping [start, end)".
        indexes = [models.Index(fields=["instructor", "starts_at"], name="external_busy_instructor_idx")]

    def __str__(self) -> str:
        return f"{self.instructor_id} · busy {self.starts_at:%Y-%m-%d %H:%M}"


class OpenQuarters(models.Model):
    """Search's index of one instructor's open time: the day rows of `SPAN_DAYS` local dates
    from `first_date`, day offs removed, as bits of 15-minute quarters of real time from
    `origin` (availability/quarters.py). Rewritten in the same transaction as every change of
    the day rows or day offs (under the instructor's row lock, like those changes), and moved
    forward by a daily sweep. Search reads it only while it covers the whole horizon and was
    built in the instructor's current zone; otherwise it reads the day rows."""

    instructor = models.OneToOneField(
        "instructors.InstructorProfile", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    timezone = models.CharField(max_length=64)
    first_date = models.DateField()
    origin = models.DateTimeField(help_text="Local midnight of first_date.")
    until = models.DateTimeField(db_index=True, help_text="Local midnight after the last date.")
    bits = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.instructor_id} · from {self.first_date}"
