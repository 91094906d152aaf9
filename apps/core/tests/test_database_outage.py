"""When the database cannot be reached, every path answers a clear 503 (JSON under /api/,
a page elsewhere) that says to retry: never an HTML 500. The outage is real: the test's
connection is pointed at a port where nothing listens (connection refused), as during a
restart of the server. The full drill, with a PostgreSQL restarted under booking traffic,
is apps/bookings/tests/test_fault_drill.py."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.core.api_errors import UNAVAILABLE_MESSAGE

pytestmark = pytest.mark.django_db(transaction=True)
UNAVAILABLE = {"error": {"code": "service_unavailable", "message": UNAVAILABLE_MESSAGE, "fields": {}}}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # free again once closed: nothing listens there


@contextlib.contextmanager
def database_down_now() -> Iterator[None]:
    settings_dict = connection.settings_dict
    port = settings_dict["PORT"]
    connection.close()
    settings_dict["PORT"] = str(_closed_port())
    try:
        yield
    finally:
        connection.close()
        settings_dict["PORT"] = port


def _app_token(student: User) -> str:
    login = Client().post(
        "/_allauth/app/v1/auth/login", {"email": student.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )  # fmt: skip
    assert login.status_code == 200
    return str(login.json()["meta"]["session_token"])


def test_the_api_answers_503_json_whether_the_session_or_the_token_hits_the_database_first(student: User) -> None:
    browser = Client(raise_request_exception=False)
    browser.force_login(student)
    token = _app_token(student)
    app = Client(raise_request_exception=False)
    with database_down_now():
        by_cookie = browser.get("/api/v1/bookings")  # the session is loaded by a middleware
        by_token = app.post(
            "/api/v1/bookings", {}, content_type="application/json", HTTP_X_SESSION_TOKEN=token,
            HTTP_IDEMPOTENCY_KEY="k",
        )  # fmt: skip  # the token is checked inside the API
    for response in (by_cookie, by_token):
        assert (response.status_code, response["Content-Type"], response["Retry-After"]) == (
            503,
            "application/json; charset=utf-8",
            "5",
        )
        assert response.json() == UNAVAILABLE


def test_a_page_answers_a_503_page(student: User) -> None:
    browser = Client(raise_request_exception=False)
    browser.force_login(student)
    with database_down_now():
        page = browser.get("/lessons/")
    assert (page.status_code, page["Retry-After"]) == (503, "5")
    assert "<h1>Back in a moment</h1>" in page.content.decode()
    assert UNAVAILABLE_MESSAGE in page.content.decode()
