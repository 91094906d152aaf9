from collections.abc import Callable
from functools import cache

from django.http import HttpRequest

from apps.notifications.selectors import notification_unread_count


def unread(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The header's unread count for signed-in users: one indexed count query, run only when
    a template shows it (the admin's pages never do)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": cache(lambda: notification_unread_count(user=user))}
