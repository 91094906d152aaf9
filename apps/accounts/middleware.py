from __future__ import annotations

import re
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from apps.accounts.authentication import request_users, two_factor_missing
from apps.core.api_errors import application_error_body
from apps.core.errors import TwoFactorRequired

# What a staff member without two-factor may still reach: setting it up (which asks them to
# re-authenticate), logging in and out, and the probes. On allauth's headless API that is its
# config, the auth/ flows (login, session, re-authentication, the two-factor step), the
# authenticator endpoints where TOTP is set up, and refreshing the app token.
_ALLOWED = re.compile(
    r"^/(?:accounts/(?:2fa|logout|reauthenticate)/|static/|healthz$|readyz$"
    r"|_allauth/(?:browser|app)/v1/(?:config$|auth/|account/authenticators(?:/|$)|tokens/))"
)
# Where answers are JSON, in the API's error shape.
_JSON_PREFIXES = ("/api/", "/_allauth/")


class StaffTwoFactorMiddleware:
    """Staff accounts must turn on TOTP two-factor before they can do anything else, whichever
    way they authenticated: the session cookie (pages, the admin, the API, headless browser
    clients) or an app session token (the API, headless app clients)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _ALLOWED.match(request.path) and any(two_factor_missing(user) for user in request_users(request)):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        error = TwoFactorRequired("Turn on two-factor authentication first.")
        if request.path.startswith(_JSON_PREFIXES):
            return JsonResponse(application_error_body(error), status=error.status)
        messages.warning(request, "Staff accounts need two-factor authentication. Set it up to continue.")
        return redirect(reverse("mfa_activate_totp"))
