from django.http import HttpRequest

from apps.messaging.selectors import unread_conversation_count


def unread(request: HttpRequest) -> dict[str, int]:
    """The header's unread conversations (one count query for students and instructors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_student or user.is_instructor):
        return {}
    return {"unread_conversations": unread_conversation_count(user=user)}
