"""Every request has an id: returned in X-Request-ID, printed on every log line with the user
and the route (JSON lines in production), shown on the 500 page and stored on audit entries."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from apps.core.log_filters import ClientIPFilter, JsonFormatter

ROOT = Path(__file__).resolve().parents[3]


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug nobody caught")


def say_hello(request: HttpRequest, n: int) -> HttpResponse:
    logging.getLogger("apps.test").info("hello", extra={"booking": 7})
    return HttpResponse("hi")


urlpatterns = [path("crash/", crash), path("hello/<int:n>/", say_hello)]
handler500 = "apps.core.views.server_error"  # the site's, as instainstru/urls.py sets it


@contextmanager
def json_log(logger: str, level: int) -> Iterator[list[dict[str, object]]]:
    """What `logger` writes through the site's filter and JSON formatter, as production would."""
    stream = io.StringIO()
    lines: list[dict[str, object]] = []
    handler = logging.StreamHandler(stream)
    handler.addFilter(ClientIPFilter())
    handler.setFormatter(JsonFormatter())
    target = logging.getLogger(logger)
    old_level = target.level
    target.addHandler(handler)
    target.setLevel(level)
    try:
        yield lines
    finally:
        target.removeHandler(handler)
        target.setLevel(old_level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_page_shows_the_request_id_its_header_and_log_line_carry(student) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(student)
    with json_log("django.request", logging.ERROR) as lines:
        response = client.get("/crash/")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    assert response.status_code == 500
    assert f"<code>{request_id}</code>" in response.content.decode()
    [line] = lines
    assert (line["level"], line["request_id"], line["route"], line["user_id"]) == (
        "ERROR", request_id, "crash/", str(student.pk)
    )  # fmt: skip
    assert "RuntimeError: a bug nobody caught" in str(line["exc"])


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_proxys_request_id_is_kept_when_sane_and_replaced_otherwise() -> None:
    client = Client()
    with json_log("apps.test", logging.INFO) as lines:
        kept = client.get("/hello/1/", headers={"X-Request-ID": "edge-4f1c2a9b"})
        forged = client.get("/hello/2/", headers={"X-Request-ID": "x\n2026 ERROR fake line"})
    assert kept.headers["X-Request-ID"] == "edge-4f1c2a9b"
    assert forged.headers["X-Request-ID"] != "x\n2026 ERROR fake line"
    assert len(forged.headers["X-Request-ID"]) == 32
    assert [(line["request_id"], line["route"], line["user_id"], line["booking"]) for line in lines] == [
        ("edge-4f1c2a9b", "hello/<int:n>/", "-", 7),
        (forged.headers["X-Request-ID"], "hello/<int:n>/", "-", 7),
    ]


def test_a_line_outside_any_request_has_dashes() -> None:
    record = logging.LogRecord("apps.jobs", logging.INFO, __file__, 1, "sweep done: %s", (3,), None)
    ClientIPFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert {key: line[key] for key in ("message", "request_id", "user_id", "route", "client_ip")} == {
        "message": "sweep done: 3", "request_id": "-", "user_id": "-", "route": "-", "client_ip": "-",
    }  # fmt: skip


def test_production_logs_json_lines_by_default() -> None:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "LOG_FORMAT"}
    }
    env = {**clean, "INSTAINSTRU_ENV": "production", "ALLOWED_HOSTS": "example.com", "SECRET_KEY": "s3cr3t-" * 8}
    code = "import django, logging; django.setup(); logging.getLogger('apps.probe').warning('ready')"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "instainstru.settings"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
        "WARNING",
        "apps.probe",
        "ready",
        "-",
    )
