"""Fixtures for the cross-app security tests: files in a throwaway directory, staff with a
real TOTP secret, and logging in the way app clients do."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, StaffFactory
from apps.media.tests.conftest import private_root  # noqa: F401  # autouse: files go to tmp_path

APP = "/_allauth/app/v1"
BROWSER = "/_allauth/browser/v1"


def totp_code(secret: str) -> str:
    """The current TOTP code for a secret, as an authenticator app shows it."""
    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))


@dataclass(frozen=True)
class TwoFactorStaff:
    user: User
    secret: str

    def code(self) -> str:
        return totp_code(self.secret)


@pytest.fixture
def staff_2fa(db: None) -> TwoFactorStaff:
    user = StaffFactory.create(email="ops@example.com", first_name="Otto", last_name="Ops")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return TwoFactorStaff(user=user, secret=secret)


def app_login(client: Client, email: str, password: str = DEFAULT_PASSWORD) -> tuple[int, dict[str, object]]:
    """Log in as an app client does; the answer's status and body."""
    response = client.post(f"{APP}/auth/login", {"email": email, "password": password}, content_type="application/json")
    return response.status_code, response.json()


def session_token(body: dict[str, object]) -> str:
    meta = body["meta"]
    assert isinstance(meta, dict)
    token = meta["session_token"]
    assert isinstance(token, str)
    return token
