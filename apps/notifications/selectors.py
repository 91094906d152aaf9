"""Reads for notifications: a user's list, unread count and email preferences."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.notifications.models import Notification, NotificationPreference
from apps.notifications.states import OPTIONAL_CATEGORIES

LIST_LIMIT = 100


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")[:LIST_LIMIT]


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_preferences_get(*, user: User) -> dict[str, bool]:
    """Each optional category → whether its emails go (on unless turned off)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("category", "email_enabled"))
    return {category.value: stored.get(category.value, True) for category in OPTIONAL_CATEGORIES}
