"""The sign-up, email, log-in, password-reset and staff two-factor pages in the product's
words (DESIGN.md "Writing"): sentence case, no stock allauth copy, the password rule shown
once and the others only when broken, the lesson being booked named when sign-up interrupts
a booking, and staff told that two-factor is required, never asked for the password they
just typed, and given a Continue button after saving their recovery codes."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.test import Client

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.instructors.tests.factories import OfferingFactory, live_instructor
from tests.conftest import totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog")]
STOCK_COPY = ("Sign Up", "Sign In", "Confirm Email Address", "for user", "Verify Your Email", "Password Reset")


def _h1(html: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert match, html
    return match.group(1)


def test_sign_up_shows_only_the_length_rule_until_a_password_breaks_another() -> None:
    client = Client()
    html = client.get("/accounts/signup/").content.decode()
    assert '<div class="helptext" id="id_password1_helptext">At least 10 characters.</div>' in html
    for rule in ("too similar", "commonly used", "entirely numeric"):
        assert rule not in html
    assert not [phrase for phrase in STOCK_COPY if phrase in html]
    assert '<button class="btn btn-primary" type="submit">Sign up</button>' in html
    # The role comes first, then who you are, then the account.
    order = [html.index(f'name="{name}"') for name in ("role", "first_name", "last_name", "email", "password1")]
    assert order == sorted(order)

    weak = {"email": "pat@example.com", "first_name": "Pat", "last_name": "Lee", "role": "student"}
    response = client.post("/accounts/signup/", {**weak, "password1": "12345678901", "password2": "12345678901"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This password is too common." in html.split('id="id_password1_helptext"')[1]
    assert 'value="pat@example.com"' in html  # what was typed stays
    assert not User.objects.filter(email="pat@example.com").exists()


def test_sign_up_from_a_booking_names_the_lesson() -> None:
    maria = live_instructor(display_name="Maria G.", slug="maria-g")
    OfferingFactory.create(profile=maria, service__slug="piano")
    sheet = "/book/maria-g/?service=piano&format=studio&start=2026-12-08T21:00:00%2B00:00"
    html = Client().get(f"/accounts/signup/?next={quote(sheet)}").content.decode()
    assert _h1(html) == "Sign up to book Piano with Maria G. on Tue 8 Dec, 4:00 pm (New York time)"
    # The link to log in instead keeps the booking, and the log-in page names it too.
    assert f'href="/accounts/login/?next={quote(sheet, safe="")}"' in html
    login = Client().get(f"/accounts/login/?next={quote(sheet)}").content.decode()
    assert _h1(login) == "Log in to book Piano with Maria G. on Tue 8 Dec, 4:00 pm (New York time)"


@pytest.mark.parametrize(
    ("next_url", "heading"),
    [
        ("/book/maria-g/", "Sign up to book a lesson with Maria G."),
        ("/book/maria-g/?service=violin&start=not-a-time", "Sign up to book a lesson with Maria G."),
        ("/book/nobody/?service=piano", "Create your account"),
        ("/book/hidden-h/?service=piano", "Create your account"),  # not live: not named
        ("https://evil.example/book/maria-g/", "Create your account"),
        ("/search/?q=piano", "Create your account"),
    ],
)
def test_sign_up_names_only_what_the_link_really_points_at(next_url: str, heading: str) -> None:
    OfferingFactory.create(profile=live_instructor(display_name="Maria G.", slug="maria-g"))
    hidden = live_instructor(display_name="Hidden H.", slug="hidden-h", status="onboarding")
    OfferingFactory.create(profile=hidden)
    html = Client().get(f"/accounts/signup/?next={quote(next_url)}").content.decode()
    assert _h1(html) == heading


def test_email_confirmation_and_password_reset_speak_plainly(student: User) -> None:
    client = Client()
    client.post(
        "/accounts/signup/",
        {"email": "a.very.long.address.for.testing@example-school.org", "first_name": "Al", "last_name": "Long",
         "role": "student", "password1": "lesson-plans-2026", "password2": "lesson-plans-2026"},
    )  # fmt: skip
    sent = client.get("/accounts/confirm-email/").content.decode()
    assert _h1(sent) == "Verify your email address"
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", str(mail.outbox[-1].body))
    assert link
    confirm = client.get(link.group(1)).content.decode()
    assert _h1(confirm) == "Confirm your email"
    assert (
        'Is <strong class="break-anywhere">a.very.long.address.for.testing@example-school.org</strong> your address?'
        in confirm
    )
    assert not [phrase for phrase in STOCK_COPY if phrase in confirm]
    expired = client.get("/accounts/confirm-email/not-a-key/").content.decode()
    assert _h1(expired) == "This link has expired"

    reset = Client()
    assert _h1(reset.get("/accounts/password/reset/").content.decode()) == "Reset your password"
    done = reset.post("/accounts/password/reset/", {"email": student.email}, follow=True).content.decode()
    assert _h1(done) == "Check your email"
    key_link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", str(mail.outbox[-1].body))
    assert key_link
    form = reset.get(key_link.group(1), follow=True)
    html = form.content.decode()
    assert _h1(html) == "Choose a new password"
    assert '<label for="id_password1">New password</label>' in html
    assert "At least 10 characters." in html
    assert _h1(Client().get("/accounts/password/reset/key/1-bad/").content.decode()) == "This link has expired"


def test_staff_log_in_set_up_two_factor_once_and_continue_to_operations(staff: User) -> None:
    client = Client()
    login = client.get("/accounts/login/").content.decode()
    assert "two-factor authentication is required for staff" in login
    assert _h1(login) == "Log in"
    client.post("/accounts/login/", {"login": staff.email, "password": DEFAULT_PASSWORD})
    setup = client.get("/admin/", follow=True)
    html = setup.content.decode()
    # Straight to setting it up, no password asked again.
    assert [url for url, _ in setup.redirect_chain] == ["/accounts/2fa/totp/activate/"]
    assert _h1(html) == "Set up two-factor authentication"
    assert "<strong>Two-factor authentication is required for staff accounts.</strong>" in html
    secret = setup.context["form"].secret
    activated = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)}, follow=True)
    html = activated.content.decode()
    assert _h1(html) == "Save your recovery codes"
    assert '<a class="btn btn-primary" href="/admin/">Continue</a>' in html
    assert len(re.findall(r"<li><code>\w+</code></li>", html)) == 10
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).count() == 1
    assert client.get("/admin/").status_code == 200


def test_staff_with_two_factor_are_asked_for_the_code_in_plain_words(staff: User) -> None:
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    client = Client()
    asked = client.post("/accounts/login/", {"login": staff.email, "password": DEFAULT_PASSWORD}, follow=True)
    assert _h1(asked.content.decode()) == "Enter your two-factor code"
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    signed_in = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
