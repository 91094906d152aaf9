"""Periodic availability work: instructors' imported calendars (CELERY_BEAT_SCHEDULE
"imported-calendars") and search's open-time index (CELERY_BEAT_SCHEDULE "open-quarters")."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.availability.feeds.services import imported_calendars_sweep
from apps.availability.open_quarters import sweep_open_quarters


@shared_task(name="availability.imported_calendars")
def imported_calendars() -> int:
    return imported_calendars_sweep(now=timezone.now())


@shared_task(name="availability.open_quarters")
def open_quarters() -> int:
    return sweep_open_quarters(now=timezone.now())
