"""How the API tells who is calling, the headless endpoints we mount, and session rotation at
login (pages, headless browser clients, headless app clients)."""

from __future__ import annotations

import json
import re
from importlib import import_module
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.utils.cache import get_cache_key

from apps.accounts.models import Learner, User
from apps.accounts.tests.factories import DEFAULT_PASSWORD
from tests.conftest import APP, BROWSER, app_login, session_token

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog")]
NOT_AUTHENTICATED = {"error": {"code": "not_authenticated", "message": "Log in to do this.", "fields": {}}}
CSRF_FAILED = {
    "error": {
        "code": "csrf_failed",
        "message": "The CSRF token is missing or wrong. Send the csrftoken cookie's value as X-CSRFToken.",
        "fields": {},
    }
}
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
LEARNER = {"first_name": "Ana", "age_group": "kids"}


def _add_learner(client: Client, **headers: str) -> Response:
    return client.post("/api/v1/me/learners", LEARNER, content_type="application/json", headers=headers)


def test_anonymous_writes_get_401_not_a_csrf_error(student: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    for response in (
        _add_learner(browser),
        _add_learner(browser, **{"X-Session-Token": "forged"}),
        browser.patch("/api/v1/me", {"first_name": "Mallory"}, content_type="application/json"),
        browser.delete("/api/v1/me/learners/1"),
    ):
        assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)
    assert not Learner.objects.exists()


def test_a_logged_out_session_cookie_gets_401(student: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    browser.logout()  # the session is gone on the server; the old cookie names nobody
    stale = Client(enforce_csrf_checks=True)
    stale.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = _add_learner(stale)
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)
    assert not Learner.objects.exists()


def _csrf_token(browser: Client) -> str:
    browser.get("/accounts/login/")  # any page with a form sets the CSRF cookie
    return str(browser.cookies[settings.CSRF_COOKIE_NAME].value)


def test_a_logged_in_browser_write_needs_the_csrf_token(student: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    for response in (
        _add_learner(browser),
        _add_learner(browser, **{"X-Session-Token": "forged"}),  # a bad token does not skip the check
        browser.patch("/api/v1/me", {"first_name": "Mallory"}, content_type="application/json"),
    ):
        assert (response.status_code, response.json()) == (403, CSRF_FAILED)
    student.refresh_from_db()
    assert (student.first_name, Learner.objects.count()) == ("Sam", 0)

    added = _add_learner(browser, **{"X-CSRFToken": _csrf_token(browser)})
    assert (added.status_code, added.json()["first_name"]) == (201, "Ana")
    assert list(Learner.objects.values_list("parent__email", "first_name")) == [(student.email, "Ana")]


def test_app_token_writes_need_no_csrf_token(student: User) -> None:
    _, body = app_login(Client(), student.email)
    app = Client(enforce_csrf_checks=True)
    added = _add_learner(app, **{"X-Session-Token": session_token(body)})
    assert (added.status_code, added.json()["first_name"]) == (201, "Ana")
    assert list(Learner.objects.values_list("parent__email", flat=True)) == [student.email]


def test_phone_endpoints_are_not_mounted(student: User) -> None:
    browser = Client()
    browser.force_login(student)
    app = Client(headers={"X-Session-Token": session_token(app_login(Client(), student.email)[1])})
    for client, base in ((browser, BROWSER), (app, APP)):
        for path in ("account/phone", "auth/phone/verify", "auth/phone/verify/resend"):
            assert client.get(f"{base}/{path}").status_code == 404
            assert client.post(f"{base}/{path}", {}, content_type="application/json").status_code == 404
        assert client.get(f"{base}/account/email").json()["data"][0]["email"] == student.email
    spec = browser.get("/_allauth/openapi.json").json()
    assert [path for path in spec["paths"] if "phone" in path] == []


def test_headless_specification_is_built_once_and_cached(client: Client) -> None:
    """Building allauth's document takes ~0.6 s of CPU: anonymous visitors get a cached copy."""
    first = client.get("/_allauth/openapi.json")
    assert (first.status_code, first["Cache-Control"]) == (200, "max-age=3600")
    request = RequestFactory().get("/_allauth/openapi.json")
    key = get_cache_key(request)
    assert key is not None
    cached = cache.get(key)
    assert cached is not None
    assert json.loads(cached.content) == first.json()
    assert client.get("/_allauth/openapi.json").content == first.content


def _anonymous_session(client: Client) -> str:
    """Give the client an anonymous session with something in it, as a visitor has before
    logging in (an attacker who planted this key must not ride the login)."""
    session = SessionStore()
    session["visited"] = True
    session.save()
    assert session.session_key is not None
    key = str(session.session_key)
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return key


def test_login_page_rotates_the_session_key(client: Client, student: User) -> None:
    before = _anonymous_session(client)
    login = client.post("/accounts/login/", {"login": student.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not SessionStore().exists(before)
    assert SessionStore(session_key=after)["_auth_user_id"] == str(student.pk)


def test_headless_browser_login_rotates_the_session_key(client: Client, student: User) -> None:
    before = _anonymous_session(client)
    login = client.post(
        f"{BROWSER}/auth/login", {"email": student.email, "password": DEFAULT_PASSWORD}, content_type="application/json"
    )
    assert (login.status_code, login.json()["meta"]["is_authenticated"]) == (200, True)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not SessionStore().exists(before)
    assert SessionStore(session_key=after)["_auth_user_id"] == str(student.pk)


def test_headless_app_login_replaces_the_pending_token(db: None) -> None:
    """An app's token before login (here: signed up, email not yet verified) is a session too;
    logging in must give a new one and end the old, or a planted token would ride the login."""
    signup = Client().post(
        f"{APP}/auth/signup",
        {"email": "app@example.com", "password": "lesson-plans-2026", "first_name": "Ada", "last_name": "App",
         "role": "student"},
        content_type="application/json",
    )  # fmt: skip
    assert (signup.status_code, signup.json()["meta"]["is_authenticated"]) == (401, False)
    pending = session_token(signup.json())
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", str(mail.outbox[-1].body))
    assert key is not None
    verified = Client(headers={"X-Session-Token": pending}).post(
        f"{APP}/auth/email/verify", {"key": key.group(1)}, content_type="application/json"
    )
    assert (verified.status_code, verified.json()["meta"]["is_authenticated"]) == (200, True)
    token = session_token(verified.json())
    assert token != pending
    assert not SessionStore().exists(pending)
    assert Client(headers={"X-Session-Token": pending}).get("/api/v1/me").status_code == 401
    assert Client(headers={"X-Session-Token": token}).get("/api/v1/me").json()["email"] == "app@example.com"
