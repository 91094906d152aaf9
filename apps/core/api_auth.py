"""The signed-in user of an API request."""

from __future__ import annotations

from django.http import HttpRequest

from apps.accounts.models import User


def api_user(request: HttpRequest) -> User:
    """The user the API's auth classes attached as `request.auth` (session or app token).
    Only call it from operations that require authentication."""
    user = request.auth  # type: ignore[attr-defined]  # set at run time by django-ninja
    assert isinstance(user, User)
    return user
