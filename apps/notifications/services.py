"""Writes for notifications. `notify` is the one way any feature tells a user something: the
row is part of the caller's transaction (so it exists exactly when the event does) and the
email is queued only after that transaction commits."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.metrics import EMAILS
from apps.notifications.models import Notification, NotificationPreference
from apps.notifications.states import ESSENTIAL_CATEGORIES, KIND_CATEGORY, OPTIONAL_CATEGORIES, Category, EmailStatus


def _email_wanted(user: User, category: str, essential: bool) -> bool:
    if essential or category in ESSENTIAL_CATEGORIES:
        return True
    preference = NotificationPreference.objects.filter(user=user, category=category).first()
    return preference is None or preference.email_enabled


def _enqueue_email(notification_id: int) -> None:
    from apps.notifications.tasks import send_notification_email

    send_notification_email.delay(notification_id)


def notify(
    *,
    user: User,
    kind: str,
    subject: str,
    body: str,
    essential: bool = False,
    url: str = "",
    category: str | None = None,
    now: datetime | None = None,
    calendar_attachment: str = "",
) -> Notification:
    """Record a notification for `user` and email it after the current transaction commits
    (at once when there is none). Security and payment emails always go; other categories
    follow the user's preferences."""
    category = category or KIND_CATEGORY.get(kind, Category.ACCOUNT)
    essential = essential or category in ESSENTIAL_CATEGORIES
    wanted = _email_wanted(user, category, essential)
    notification = Notification.objects.create(
        user=user, kind=kind, category=category, subject=subject, body=body, url=url, essential=essential,
        created_at=now or timezone.now(), email_status=EmailStatus.PENDING if wanted else EmailStatus.OFF,
        calendar_attachment=calendar_attachment,
    )  # fmt: skip
    if wanted:
        transaction.on_commit(partial(_enqueue_email, notification.pk))
    return notification


def notify_staff(*, kind: str, subject: str, body: str, url: str = "", now: datetime | None = None) -> int:
    """Alert every active staff member; returns how many were told."""
    staff = list(User.objects.filter(is_staff=True, is_active=True).order_by("pk"))
    for member in staff:
        notify(user=member, kind=kind, subject=subject, body=body, url=url, essential=True, now=now)
    return len(staff)


def notification_email_send(*, notification_id: int, now: datetime) -> bool:
    """Send one notification's email. The pending → sending compare-and-set makes a
    duplicate task a no-op; a failed send goes back to pending so the task's retry can try
    again."""
    claimed = Notification.objects.filter(pk=notification_id, email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SENDING
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    link = f"\n\n{settings.SITE_URL}{notification.url}" if notification.url else ""
    greeting = f"Hi {notification.user.first_name}," if notification.user.first_name else "Hi,"
    try:
        message = EmailMessage(
            subject=f"InstaInstru · {notification.subject}",
            body=f"{greeting}\n\n{notification.body}{link}\n\n— InstaInstru",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.user.email],
        )
        if notification.calendar_attachment:
            message.attach("lesson.ics", notification.calendar_attachment, "text/calendar; method=PUBLISH")
        message.send()
    except Exception:
        Notification.objects.filter(pk=notification_id).update(email_status=EmailStatus.PENDING)
        EMAILS.labels(outcome="failed").inc()
        raise
    EMAILS.labels(outcome="sent").inc()
    Notification.objects.filter(pk=notification_id).update(email_status=EmailStatus.SENT, emailed_at=now)
    return True


def notifications_mark_read(*, user: User, now: datetime, notification_id: int | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=now)


@transaction.atomic
def notification_preferences_set(*, user: User, enabled: dict[str, bool]) -> None:
    """Turn optional categories on or off; essential ones cannot be turned off."""
    for category in OPTIONAL_CATEGORIES:
        if category in enabled:
            NotificationPreference.objects.update_or_create(
                user=user, category=category, defaults={"email_enabled": enabled[category]}
            )
