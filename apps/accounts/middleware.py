from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

# Paths a staff member without two-factor may still reach: setting it up, and leaving.
_ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/static/",
    "/healthz",
    "/readyz",
)


class StaffTwoFactorMiddleware:
    """Staff accounts must turn on TOTP two-factor before they can do anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            if request.path.startswith("/api/"):
                error = {
                    "code": "two_factor_required",
                    "message": "Turn on two-factor authentication first.",
                    "fields": {},
                }
                return JsonResponse({"error": error}, status=403)
            messages.warning(request, "Staff accounts need two-factor authentication. Set it up to continue.")
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
