from django.http import HttpRequest

from apps.notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, int]:
    """The header's unread count (one indexed count query for signed-in users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.filter(user=user, read_at__isnull=True).count()}
