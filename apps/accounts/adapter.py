from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from apps.core.limits import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's login and signup limits count: ours, which reads
        X-Forwarded-For only from TRUSTED_PROXIES (allauth's own would trust it by count)."""
        return client_ip(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Instructors land on their teaching status page (onboarding until they are live);
        everyone else on the page they came for, or home."""
        user = request.user
        if getattr(user, "is_instructor", False) and not request.GET.get("next"):
            return reverse("instructors_onboarding:status")
        return str(super().get_login_redirect_url(request))
