"""Periodic money work (CELERY_BEAT_SCHEDULE "money-sweeps"): every sweep reads what is due
from the database, so a late, lost or duplicated run is harmless."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.bookings.sweeps import SWEEPS, money_sweeps_run
from apps.core.jobs import MONEY_SWEEPS, job_run_record


@shared_task(name="bookings.money_sweeps")
def money_sweeps() -> dict[str, int]:
    """Recorded when every sweep succeeded; /readyz fails when that is too long ago."""
    now = timezone.now()
    done = money_sweeps_run(now=now)
    job_run_record(name=MONEY_SWEEPS, at=now)
    return done


@shared_task(name="bookings.sweep")
def sweep(name: str) -> int:
    """Run one sweep by name (operations: `bookings.sweep.delay("captures")`)."""
    return SWEEPS[name](now=timezone.now())
