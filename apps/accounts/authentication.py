"""Who is calling, answered the same way for every path in: pages and the admin (the session
cookie), the JSON API (the session cookie or an app token) and allauth's headless API (either).
The staff two-factor rule is applied to these identities in one place,
`StaffTwoFactorMiddleware`, so a path that authenticates differently cannot skip it."""

from __future__ import annotations

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from apps.accounts.models import User

APP_TOKEN_HEADER = "X-Session-Token"  # noqa: S105 - a header name, not a secret
_NOT_LOOKED_UP = object()


def app_token_user(request: HttpRequest) -> User | None:
    """The user of the request's valid app session token (allauth's `X-Session-Token`), or
    None. Looked up once per request: the middleware and the API's auth class both ask."""
    cached = getattr(request, "_app_token_user", _NOT_LOOKED_UP)
    if cached is not _NOT_LOOKED_UP:
        return cached  # type: ignore[return-value]
    token = request.headers.get(APP_TOKEN_HEADER)
    found = authenticate_by_x_session_token(token) if token else None
    user = found[0] if found and isinstance(found[0], User) else None
    request._app_token_user = user  # type: ignore[attr-defined]
    return user


def session_user(request: HttpRequest) -> User | None:
    """The user of the request's session cookie, or None."""
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def request_users(request: HttpRequest) -> list[User]:
    """Every identity the request carries. A request may carry both a cookie and a token and
    each path picks one (the API prefers the token, pages the cookie), so a rule about who
    may act must hold for all of them."""
    return [user for user in (session_user(request), app_token_user(request)) if user is not None]


def two_factor_missing(user: User) -> bool:
    """Staff (and superusers) must have TOTP two-factor before they can do anything else."""
    if not (user.is_staff or user.is_superuser):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
