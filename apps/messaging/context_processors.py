from collections.abc import Callable
from functools import cache

from django.http import HttpRequest

from apps.messaging.selectors import unread_conversation_count


def unread(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The header's unread conversations for students and instructors: one count query, run
    only when a template shows it (the admin's pages never do)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_student or user.is_instructor):
        return {}
    return {"unread_conversations": cache(lambda: unread_conversation_count(user=user))}
