from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from apps.availability.weeks import DAY_NAMES
from apps.waitlist.states import EntryStatus

WEEKDAY_BITS = 0b1111111  # bit 0 is Monday … bit 6 is Sunday


class WaitlistEntry(models.Model):
    """ "Tell me when a time opens": a student's window with one instructor's lesson. The
    window is in the instructor's zone (their calendar's days): lesson starts on one of
    `weekdays`, at a local time in [start_minute, end_minute), on local dates
    date_from..date_to."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries")
    instructor = models.ForeignKey("instructors.InstructorProfile", on_delete=models.CASCADE, related_name="+")
    offering = models.ForeignKey("instructors.Offering", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=10)
    duration_minutes = models.PositiveSmallIntegerField()
    weekdays = models.PositiveSmallIntegerField()
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()
    date_from = models.DateField()
    date_to = models.DateField()
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["instructor", "status"], name="waitlist_instructor_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekdays__gt=0, weekdays__lte=WEEKDAY_BITS), name="waitlist_weekdays_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(start_minute__lt=models.F("end_minute"), end_minute__lte=1440),
                name="waitlist_times_valid",
            ),
            models.CheckConstraint(condition=models.Q(date_from__lte=models.F("date_to")), name="waitlist_dates_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} waits for {self.instructor_id} ({self.status})"

    @property
    def days_label(self) -> str:
        """'Mon, Wed' (or 'Every day')."""
        if self.weekdays == WEEKDAY_BITS:
            return "Every day"
        return ", ".join(name for day, name in enumerate(DAY_NAMES) if self.weekdays & (1 << day))

    @property
    def times_label(self) -> str:
        """'starting 4:00 pm–6:00 pm'."""
        return f"starting {_clock(self.start_minute)}–{_clock(self.end_minute)}"


def _clock(minute: int) -> str:
    hour, minutes = divmod(minute % 1440, 60)
    return f"{hour % 12 or 12}:{minutes:02d} {'am' if hour < 12 else 'pm'}"


class WaitlistNotice(models.Model):
    """One open start this entry was told about. The unique pair is what makes "never twice
    for the same slot" hold even if two checks ever raced past the entry lock."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="notices")
    slot_start = models.DateTimeField()
    notification = models.ForeignKey(
        "notifications.Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "slot_start"], name="waitlist_notice_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.entry_id} told of {self.slot_start:%Y-%m-%d %H:%M}"
