from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from django.http import HttpRequest
from django.urls import reverse

from apps.core.limits import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's login and signup limits count: ours, which reads
        X-Forwarded-For only from TRUSTED_PROXIES (allauth's own would trust it by count)."""
        return client_ip(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Instructors land on their Teach page (the onboarding checklist until they are live,
        then their dashboard); everyone else on the page they came for, or home."""
        if getattr(request.user, "is_instructor", False) and not request.GET.get("next"):
            return reverse("instructors_onboarding:dashboard")
        return str(super().get_login_redirect_url(request))

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """The first sign-in of a new account (after it confirms its email): the same landing
        as any login, so a new instructor starts on the Teach page, not the student home."""
        return self.get_login_redirect_url(request)

    def is_reauthentication_required(self, *, app: str, **kwargs: object) -> bool:
        """A password typed moments ago already proves who this is: right after logging in
        (when staff are sent straight to two-factor setup) nobody is asked for it again.
        Later, after REAUTHENTICATION_TIMEOUT, account-changing pages ask as usual. (allauth
        itself counts only re-authentications, not the login.)"""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request
        records = get_authentication_records(request, request.user) if request is not None else []
        return not (records and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT)
