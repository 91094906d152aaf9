"""Background work of payments: processing stored webhook events (queued after each one is
received) and retrying those whose task was lost or failed (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.payments.webhooks import webhook_process as process
from apps.payments.webhooks import webhooks_retry as retry


@shared_task(name="payments.webhook_process")
def webhook_process(event_pk: int) -> bool:
    return process(event_pk=event_pk, now=timezone.now())


@shared_task(name="payments.webhooks_retry")
def webhooks_retry() -> int:
    return retry(now=timezone.now())
