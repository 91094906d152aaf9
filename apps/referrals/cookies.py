"""The two cookies of the referral program. `ii_ref` carries the code of the link a visitor
came through, signed and honored for 30 days; `ii_device` is a random id of the browser,
kept a year, that the same-device self-referral rule compares."""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from apps.accounts.models import User
from apps.referrals.rules import RULES
from apps.referrals.services import referral_attribute

REF_COOKIE, DEVICE_COOKIE = "ii_ref", "ii_device"
SALT = "referrals.ref"
DEVICE_MAX_AGE = 365 * 24 * 3600


def device_id(request: HttpRequest) -> str:
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    return raw if raw.isalnum() and len(raw) <= 64 else ""


def device_ensure(request: HttpRequest, response: HttpResponse) -> str:
    """The browser's device id, given one if it has none."""
    found = device_id(request)
    if not found:
        found = secrets.token_hex(16)
        response.set_cookie(DEVICE_COOKIE, found, max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax")
    return found


def ref_set(response: HttpResponse, code: str) -> None:
    max_age = RULES.cookie_days * 24 * 3600
    response.set_signed_cookie(REF_COOKIE, code, salt=SALT, max_age=max_age, httponly=True, samesite="Lax")


def ref_code(request: HttpRequest) -> str:
    """The code of the link this browser came through in the last 30 days ("" if none)."""
    value = request.get_signed_cookie(REF_COOKIE, default="", salt=SALT, max_age=RULES.cookie_days * 24 * 3600)
    return value if isinstance(value, str) else ""


def signup_attribute(request: HttpRequest, user: User) -> None:
    """At sign-up (apps/accounts/forms.py): credit the account to the link's owner."""
    code = ref_code(request)
    if code:
        referral_attribute(user=user, code=code, device_id=device_id(request), now=timezone.now())
