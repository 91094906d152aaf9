"""How the JSON API authenticates: an app session token (`X-Session-Token`) or the browser's
session cookie, both resolved by apps/accounts/authentication.py, the same functions the staff
two-factor gate uses for every path in."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, APIKeyHeader
from ninja.utils import check_csrf

from apps.accounts.authentication import APP_TOKEN_HEADER, app_token_user, session_user
from apps.accounts.models import User
from apps.core.errors import CsrfFailed


class AppSessionTokenAuth(APIKeyHeader):
    """allauth's app session token (from `/_allauth/app/v1/auth/login`)."""

    param_name = APP_TOKEN_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return app_token_user(request)


class SessionCookieAuth(APIKeyCookie):
    """The browser's session cookie; writes must carry the CSRF token. The CSRF check runs
    only for a signed-in session: a request that authenticates as nobody gets 401 (log in),
    not 403, which would tell a client the wrong thing to fix."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if session_user(request) is None:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfFailed("The CSRF token is missing or wrong. Send the csrftoken cookie's value as X-CSRFToken.")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return session_user(request) if key is not None else None


def api_user(request: HttpRequest) -> User:
    """The user the API's auth classes attached as `request.auth` (session or app token).
    Only call it from operations that require authentication."""
    user = request.auth  # type: ignore[attr-defined]  # set at run time by django-ninja
    assert isinstance(user, User)
    return user
