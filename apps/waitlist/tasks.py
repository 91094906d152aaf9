"""Waitlist jobs: the check queued after a change that may open time, and the periodic sweep
(CELERY_BEAT_SCHEDULE "waitlist-sweep") that expires entries and catches anything missed."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.waitlist.services import waitlist_check, waitlist_sweep


@shared_task(name="waitlist.check_instructor")
def check_instructor(instructor_id: int) -> int:
    return waitlist_check(instructor_id=instructor_id, now=timezone.now())


@shared_task(name="waitlist.sweep")
def sweep() -> int:
    return waitlist_sweep(now=timezone.now())
