"""Background work of availability: refreshing instructors' imported calendars
(CELERY_BEAT_SCHEDULE "imported-calendars")."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.availability.feeds.services import imported_calendars_sweep


@shared_task(name="availability.imported_calendars")
def imported_calendars() -> int:
    return imported_calendars_sweep(now=timezone.now())
