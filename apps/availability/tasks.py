"""Periodic availability work (CELERY_BEAT_SCHEDULE "open-quarters")."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.availability.open_quarters import sweep_open_quarters


@shared_task(name="availability.open_quarters")
def open_quarters() -> int:
    return sweep_open_quarters(now=timezone.now())
