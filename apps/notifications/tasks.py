from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from apps.notifications.services import notification_email_send


@shared_task(
    name="notifications.send_email",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_notification_email(notification_id: int) -> bool:
    """Queued after the commit that wrote the notification; retried when the mail server fails."""
    return notification_email_send(notification_id=notification_id, now=timezone.now())
