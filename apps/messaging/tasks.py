"""Periodic messaging work (CELERY_BEAT_SCHEDULE "message-emails")."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.messaging.services import unread_email_sweep


@shared_task(name="messaging.unread_emails")
def unread_emails() -> int:
    return unread_email_sweep(now=timezone.now())
