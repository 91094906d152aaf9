"""Staff two-factor holds on every path in: pages, the admin, the JSON API with the session
cookie, the JSON API with an app session token, and allauth's headless API. A staff account
without TOTP reaches nothing but setting it up; with TOTP, only after the second factor."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.media.models import BackgroundCheckDocument
from apps.media.services.documents import document_submit
from apps.media.tests import corpus
from tests.conftest import APP, BROWSER, TwoFactorStaff, app_login, session_token, totp_code

pytestmark = pytest.mark.django_db
REFUSED = {
    "error": {"code": "two_factor_required", "message": "Turn on two-factor authentication first.", "fields": {}}
}
SET_UP_TOTP = "/accounts/2fa/totp/activate/"


@pytest.fixture
def document(instructor: User) -> BackgroundCheckDocument:
    return document_submit(actor=instructor, data=corpus.pdf(), filename="report.pdf", now=timezone.now())


def _names(*users: User) -> list[tuple[str, bool]]:
    return [(u.first_name, u.is_staff) for u in User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk")]


def test_staff_without_two_factor_is_refused_through_the_session_cookie(
    client: Client, staff: User, student: User, document: BackgroundCheckDocument
) -> None:
    login = client.post("/accounts/login/", {"login": staff.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)

    # Pages and the admin send them to set up two-factor, writes included.
    for path in ("/", "/lessons/", "/admin/", f"/admin/media/backgroundcheckdocument/{document.pk}/change/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, SET_UP_TOTP), path
    promote = client.post(
        f"/admin/accounts/user/{student.pk}/change/", {"email": student.email, "is_staff": "on", "role": "student"}
    )
    assert (promote.status_code, promote["Location"]) == (302, SET_UP_TOTP)

    # The API and the headless browser API answer 403 in the API's error shape.
    document_api = client.get(f"/api/v1/media/documents/{document.pk}")
    assert (document_api.status_code, document_api.json()) == (403, REFUSED)
    rename = client.patch("/api/v1/me", {"first_name": "Mallory"}, content_type="application/json")
    assert (rename.status_code, rename.json()) == (403, REFUSED)
    emails = client.get(f"{BROWSER}/account/email")
    assert (emails.status_code, emails.json()) == (403, REFUSED)
    assert _names(staff, student) == [("Stella", True), ("Sam", False)]

    # Setting up two-factor stays reachable, without typing the password again right after
    # logging in; once the login is older than the re-authentication window, it is asked.
    setup = client.get(SET_UP_TOTP)
    assert setup.status_code == 200
    assert "Two-factor authentication is required for staff accounts." in setup.content.decode()
    later = timezone.now() + timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    with time_machine.travel(later, tick=False):
        setup = client.get(SET_UP_TOTP)
    assert (setup.status_code, setup["Location"]) == (
        302,
        f"/accounts/reauthenticate/?next={SET_UP_TOTP.replace('/', '%2F')}",
    )


def test_staff_without_two_factor_is_refused_through_an_app_token(
    staff: User, student: User, document: BackgroundCheckDocument
) -> None:
    status, body = app_login(Client(), staff.email)
    assert (status, body["meta"]) == (200, {"is_authenticated": True, "session_token": session_token(body)})
    app = Client(HTTP_X_SESSION_TOKEN=session_token(body))  # no cookies: the token alone

    for response in (
        app.get(f"/api/v1/media/documents/{document.pk}"),
        app.get("/api/v1/media/documents"),
        app.get("/api/v1/bookings"),
        app.patch("/api/v1/me", {"first_name": "Mallory"}, content_type="application/json"),
        app.get(f"{APP}/account/email"),
        app.post(f"{APP}/account/password/change", {"current_password": DEFAULT_PASSWORD, "new_password": "x" * 12}),
    ):
        assert (response.status_code, response.json()) == (403, REFUSED), response.request["PATH_INFO"]
    assert _names(staff, student) == [("Stella", True), ("Sam", False)]
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_PASSWORD)

    # The session itself stays visible, so the app can tell the person what to do.
    session = app.get(f"{APP}/auth/session")
    assert (session.status_code, session.json()["data"]["user"]["email"]) == (200, staff.email)


def test_staff_set_up_two_factor_through_the_app_api_and_then_get_in(staff: User) -> None:
    _, body = app_login(Client(), staff.email)
    app = Client(HTTP_X_SESSION_TOKEN=session_token(body))
    offered = app.get(f"{APP}/account/authenticators/totp")
    assert offered.status_code == 404  # allauth's answer: no TOTP yet, here is a secret for one
    secret = offered.json()["meta"]["secret"]
    totp = {"code": totp_code(secret)}
    assert app.get("/api/v1/me").status_code == 403  # refused until TOTP is on
    # Just logged in: the password is not asked again before adding the factor.
    activated = app.post(f"{APP}/account/authenticators/totp", totp, content_type="application/json")
    assert activated.status_code == 200
    assert activated.json()["data"]["type"] == "totp"

    me = app.get("/api/v1/me")
    assert (me.status_code, me.json()["email"], me.json()["is_staff"]) == (200, staff.email, True)


def test_staff_with_two_factor_get_an_app_token_only_after_the_second_factor(
    staff_2fa: TwoFactorStaff, document: BackgroundCheckDocument
) -> None:
    status, body = app_login(Client(), staff_2fa.user.email)
    assert status == 401
    assert {"id": "mfa_authenticate", "is_pending": True, "types": ["totp"]} in body["data"]["flows"]  # type: ignore[index]
    pending = session_token(body)
    # Halfway through, the token authenticates nobody.
    halfway = Client(HTTP_X_SESSION_TOKEN=pending).get(f"/api/v1/media/documents/{document.pk}")
    assert (halfway.status_code, halfway.json()["error"]["code"]) == (401, "not_authenticated")

    wrong = Client(HTTP_X_SESSION_TOKEN=pending).post(
        f"{APP}/auth/2fa/authenticate", {"code": "000000"}, content_type="application/json"
    )
    assert wrong.status_code == 400
    second = Client(HTTP_X_SESSION_TOKEN=pending).post(
        f"{APP}/auth/2fa/authenticate", {"code": staff_2fa.code()}, content_type="application/json"
    )
    assert second.status_code == 200
    token = second.json()["meta"]["session_token"]
    # The session is rotated at login: the half-way token is dead, a new one works.
    assert token != pending
    assert Client(HTTP_X_SESSION_TOKEN=pending).get("/api/v1/me").status_code == 401
    opened = Client(HTTP_X_SESSION_TOKEN=token).get(f"/api/v1/media/documents/{document.pk}")
    assert (opened.status_code, opened.json()["id"], opened.json()["filename"]) == (200, document.pk, "report.pdf")


def test_staff_with_two_factor_reach_the_admin_and_the_api(
    client: Client, staff_2fa: TwoFactorStaff, document: BackgroundCheckDocument
) -> None:
    login = client.post("/accounts/login/", {"login": staff_2fa.user.email, "password": DEFAULT_PASSWORD})
    assert (login.status_code, login["Location"]) == (302, "/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # not in yet
    second = client.post("/accounts/2fa/authenticate/", {"code": staff_2fa.code()})
    assert second.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_2fa.user.pk)

    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/media/backgroundcheckdocument/{document.pk}/change/").status_code == 200
    assert client.get(f"/api/v1/media/documents/{document.pk}").json()["id"] == document.pk
    assert client.get(f"{BROWSER}/account/email").status_code == 200


def test_a_token_does_not_let_a_staff_cookie_skip_two_factor(client: Client, staff: User, student: User) -> None:
    """A request carrying two identities is held to the rule for both: a student's token beside
    a staff cookie must not open the staff's pages."""
    _, body = app_login(Client(), student.email)
    client.force_login(staff)
    response = client.get("/admin/", HTTP_X_SESSION_TOKEN=session_token(body))
    assert (response.status_code, response["Location"]) == (302, SET_UP_TOTP)
    api = client.get("/api/v1/me", HTTP_X_SESSION_TOKEN=session_token(body))
    assert (api.status_code, api.json()) == (403, REFUSED)
