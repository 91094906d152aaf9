from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail

from apps.accounts.models import Role, User
from apps.accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db
STRONG_PASSWORD = "lesson-plans-2026"


def _confirmation_path(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", str(message.body))
    assert match, str(message.body)
    return match.group(1)


def _signup(client, role: str, email: str = "new@example.com", **overrides: str):
    data = {
        "email": email,
        "first_name": "Nora",
        "last_name": "New",
        "role": role,
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        **overrides,
    }
    return client.post("/accounts/signup/", data)


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_signup_verify_then_login(client, role) -> None:
    response = _signup(client, role)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="new@example.com")
    assert (user.role, user.first_name, user.last_name, user.timezone) == (role, "Nora", "New", "America/New_York")
    assert not EmailAddress.objects.get(user=user).verified

    # Not verified yet: logging in sends the person back to verification.
    client.logout()
    response = client.post("/accounts/login/", {"login": "new@example.com", "password": STRONG_PASSWORD})
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session

    confirm = _confirmation_path(mail.outbox[-1])
    assert client.get(confirm).status_code == 200
    response = client.post(confirm)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_with_bad_input_rerenders_with_errors_and_creates_nothing(client) -> None:
    response = _signup(client, "wizard", email="not-an-email", password2="different-password")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"email", "role"}
    html = response.content.decode()
    assert 'value="Nora"' in html  # what the user typed is kept
    assert not User.objects.exists()


def test_signup_rejects_a_weak_password(client) -> None:
    response = _signup(client, Role.STUDENT, password1="12345", password2="12345")
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.exists()


def test_login_and_logout(client, student) -> None:
    response = client.post("/accounts/login/", {"login": student.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(student.pk)
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_login_locks_out_after_repeated_failures(client, student, settings) -> None:
    attempts = settings.LOGIN_LOCKOUT_ATTEMPTS
    for _ in range(attempts):
        response = client.post("/accounts/login/", {"login": student.email, "password": "wrong-password"})
        assert response.status_code == 200
    # Even the right password is refused while the account is locked.
    response = client.post("/accounts/login/", {"login": student.email, "password": DEFAULT_PASSWORD})
    assert response.status_code in {200, 429}
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_password_reset_answers_the_same_whether_or_not_the_email_exists(client, student) -> None:
    known = client.post("/accounts/password/reset/", {"email": student.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/done/"
    # The unknown address is told by email that it has no account; the page never says so.
    assert sorted(m.to[0] for m in mail.outbox) == ["nobody@example.com", student.email]
    unknown_mail = next(m for m in mail.outbox if m.to == ["nobody@example.com"])
    assert "/accounts/password/reset/key/" not in unknown_mail.body
    reset_mail = next(m for m in mail.outbox if m.to == [student.email])
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", str(reset_mail.body))
    assert link
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200
    response = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link.group(1),
        {"password1": "brand-new-pass-99", "password2": "brand-new-pass-99"},
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.check_password("brand-new-pass-99")


def test_password_change(client, student) -> None:
    client.force_login(student)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": "another-good-pass-1", "password2": "another-good-pass-1"},
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.check_password("another-good-pass-1")


def test_staff_must_set_up_two_factor_before_anything_else(client, staff) -> None:
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    api = client.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_required"
    # Setting up two-factor stays reachable (through allauth's re-authentication step).
    setup = client.get("/accounts/2fa/totp/activate/", follow=True)
    assert setup.status_code == 200
    assert setup.redirect_chain == [("/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F", 302)]

    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/api/v1/me").status_code == 200


def test_admin_login_goes_through_allauth(client) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert response.templates[0].name == "account/login.html"


def test_app_client_signs_up_verifies_logs_in_and_calls_the_api(client) -> None:
    base = "/_allauth/app/v1"
    signup = client.post(
        f"{base}/auth/signup",
        {
            "email": "app@example.com",
            "password": STRONG_PASSWORD,
            "first_name": "Ada",
            "last_name": "App",
            "role": "instructor",
        },
        content_type="application/json",
    )
    assert signup.status_code == 401  # verification pending
    assert any(f["id"] == "verify_email" and f.get("is_pending") for f in signup.json()["data"]["flows"])
    token = signup.json()["meta"]["session_token"]
    key_match = re.search(r"/accounts/confirm-email/([^/\s]+)/", str(mail.outbox[-1].body))
    assert key_match
    key = key_match.group(1)
    verified = client.post(
        f"{base}/auth/email/verify", {"key": key}, content_type="application/json", HTTP_X_SESSION_TOKEN=token
    )
    assert verified.status_code == 200

    client.logout()
    login = client.post(
        f"{base}/auth/login", {"email": "app@example.com", "password": STRONG_PASSWORD}, content_type="application/json"
    )
    assert login.status_code == 200
    token = login.json()["meta"]["session_token"]

    from django.test import Client

    fresh = Client()  # no cookies: the token alone authenticates
    me = fresh.get("/api/v1/me", HTTP_X_SESSION_TOKEN=token)
    assert me.status_code == 200
    assert me.json()["email"] == "app@example.com"
    assert me.json()["role"] == "instructor"
    assert fresh.get("/api/v1/me", HTTP_X_SESSION_TOKEN="forged").status_code == 401


def test_a_user_has_exactly_one_role() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="x@example.com", password="x", role="both")
    assert not User.objects.filter(email="x@example.com").exists()
