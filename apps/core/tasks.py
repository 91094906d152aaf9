from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "jobs:heartbeat"


@shared_task(name="core.heartbeat")
def heartbeat() -> str:
    """Records that the scheduler (beat or in-process) is alive; shown on /readyz."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
