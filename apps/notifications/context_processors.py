from django.http import HttpRequest

from apps.notifications.selectors import notification_unread_count


def unread(request: HttpRequest) -> dict[str, int]:
    """The header's unread count (one indexed count query for signed-in users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notification_unread_count(user=user)}
