from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import path
from ninja import NinjaAPI
from openapi_spec_validator import validate

from apps.accounts.models import Learner
from apps.core.api_errors import install_error_handlers
from apps.core.views import server_error
from apps.instructors.models import Offering


@pytest.mark.django_db
def test_openapi_document_is_valid_and_documents_errors(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    me = spec["paths"]["/api/v1/me"]["get"]["responses"]
    assert {"200", "401", "422"} <= set(me)
    assert me["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_api_docs_page_is_served_locally(client, db) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in response.content.decode()


@pytest.mark.django_db
def test_unauthenticated_request_gets_401_in_the_error_format(client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "not_authenticated", "message": "Log in to do this.", "fields": {}}}


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog")
def test_validation_errors_are_422_with_per_field_messages(client, student) -> None:
    client.force_login(student)
    response = client.post("/api/v1/me/learners", {"first_name": "Ana"}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == ["age_group"]

    response = client.post(
        "/api/v1/me/learners", {"first_name": "Ana", "age_group": "seniors"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["age_group"] == ["Choose one of: toddler, kids, teens, adults."]
    assert not Learner.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog")
def test_writes_are_rate_limited_per_user_with_retry_after(client, student, settings) -> None:
    client.force_login(student)
    limit = int(settings.API_RATE_LIMITS["writes"].split("/")[0])
    statuses = [
        client.patch("/api/v1/me", {"first_name": f"Sam{i}"}, content_type="application/json").status_code
        for i in range(limit + 1)
    ]
    assert statuses[:limit] == [200] * limit
    assert statuses[limit] == 429
    limited = client.patch("/api/v1/me", {"first_name": "Late"}, content_type="application/json")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    student.refresh_from_db()
    assert student.first_name == f"Sam{limit - 1}"


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog")
def test_reads_are_counted_in_fixed_windows_with_one_small_counter_each(client, settings) -> None:
    """A caller's reads in a window are one integer in the cache, whatever the traffic (not a
    log of every request); the allowance comes back when the period turns over, and
    Retry-After says how long that is."""
    limit = int(settings.API_RATE_LIMITS["reads"].split("/")[0])
    opening = datetime(2026, 6, 1, 16, 0, 10, tzinfo=UTC)  # 50 s before the minute turns over
    with time_machine.travel(opening, tick=False):
        statuses = [client.get("/api/v1/catalog/categories").status_code for _ in range(limit + 1)]
        assert statuses[:limit] == [200] * limit
        assert statuses[limit] == 429
        assert client.get("/api/v1/catalog/categories")["Retry-After"] == "50"
        window = int(opening.timestamp() // 60)
        assert cache.get(f"throttle:reads:ip127.0.0.1:{window}") == limit + 2
    with time_machine.travel(opening + timedelta(seconds=50), tick=False):
        assert client.get("/api/v1/catalog/categories").status_code == 200
        assert cache.get(f"throttle:reads:ip127.0.0.1:{window + 1}") == 1


def test_incr_counts_only_what_is_there_in_one_atomic_step(db, settings) -> None:
    """The cache's incr (one round trip on Redis) keeps Django's contract: a missing key is a
    ValueError and is not created; an existing one keeps its expiry."""
    with pytest.raises(ValueError, match="not found"):
        cache.incr("contract:absent")
    assert cache.get("contract:absent") is None
    cache.set("contract:counter", 41, timeout=30)
    assert cache.incr("contract:counter") == 42
    assert cache.incr("contract:counter", 8) == 50
    assert cache.get("contract:counter") == 50
    assert (
        0 < redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).ttl(cache.make_key("contract:counter")) <= 30
    )


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(student) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    response = client.patch("/api/v1/me", {"first_name": "Mallory"}, content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "csrf_failed")
    student.refresh_from_db()
    assert student.first_name == "Sam"


# --- every operation documents what it can answer -------------------------------------------


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]


@pytest.mark.django_db
def test_every_operation_documents_the_errors_it_can_answer(client) -> None:
    """400 (refused before the API reads it), 422 (parameters) and 429 (rate limits)
    everywhere; 401 with a login; 403 for a write with a login (a session without its CSRF
    token)."""
    spec = client.get("/api/v1/openapi.json").json()
    missing = {}
    for url, method, operation in _operations(spec):
        expected = {"400", "422", "429"}
        if operation.get("security"):
            expected |= {"401"} if method == "get" else {"401", "403"}
        errors = {code for code in operation["responses"] if code.startswith(("4", "5"))}
        if not expected <= errors:
            missing[f"{method.upper()} {url}"] = sorted(expected - errors)
        assert all(
            operation["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
            for code in errors
        ), url
        # A 500 is a bug, never a contract; 503 is (a dependency is briefly out: retry).
        assert errors & {"500", "501", "502", "504"} == set(), url
    assert missing == {}


@pytest.mark.django_db
def test_two_service_shapes_have_two_names(client) -> None:
    """Two response schemas once shared the name ServiceOut, so /catalog/categories was
    documented with the other one's required `category`."""
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "ServiceOut" not in schemas
    assert schemas["CategoryOut"]["properties"]["services"]["items"] == {
        "$ref": "#/components/schemas/CategoryServiceOut"
    }
    assert schemas["CategoryServiceOut"]["required"] == ["slug", "name", "online_capable", "default_duration_minutes"]
    assert schemas["CatalogServiceOut"]["required"] == ["slug", "name", "category", "online_capable"]


# --- errors outside an operation, and unexpected ones ---------------------------------------


def test_unknown_api_url_is_a_json_404_and_pages_keep_their_html(client, db) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_request_django_refuses_under_api_is_a_json_400(client, db) -> None:
    response = client.get("/api/v1/catalog/categories", HTTP_HOST="evil.example")
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == {"error": {"code": "bad_request", "message": "Bad request.", "fields": {}}}


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_SESSION_TOKEN": "abc\x00def"},
        {"HTTP_COOKIE": 'sessionid="abc\\000def"'},  # a quoted cookie spells NUL as \000
        {"HTTP_USER_AGENT": "curl\x00"},
    ],
)
def test_a_nul_byte_in_a_header_or_cookie_is_a_400_before_any_session_lookup(client, db, headers) -> None:
    """A session token or session id with NUL reached the session table's query: a 500 on
    every operation (and page) before."""
    response = client.get("/api/v1/me", **headers)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_request")
    page = client.get("/", **headers)
    assert (page.status_code, page["Content-Type"]) == (400, "text/html; charset=utf-8")


def test_a_request_django_refuses_inside_an_operation_is_a_json_400(client, db, settings) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3  # reading the query raises TooManyFieldsSent
    response = client.get("/api/v1/catalog/services", {"category": ["a", "b", "c", "d"]})
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "bad_request", "message": "Bad request.", "fields": {}}}


crash_api = NinjaAPI(urls_namespace="crash_test", docs_url=None, openapi_url=None)
install_error_handlers(crash_api)


@crash_api.get("/boom")
def boom(request):
    raise RuntimeError("a bug nobody caught")


urlpatterns = [path("api/crash/", crash_api.urls)]


@override_settings(ROOT_URLCONF=__name__)
def test_an_unexpected_exception_is_a_json_500_logged_with_its_traceback(db, caplog) -> None:
    """The handler every operation of the real API gets (installed by install_error_handlers):
    an exception no handler knows is a 500 in the error format, logged as Django logs one."""
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/crash/boom")
    assert (response.status_code, response["Content-Type"]) == (500, "application/json; charset=utf-8")
    assert response.json() == {
        "error": {
            "code": "server_error",
            "message": "Something went wrong on our side. Please try again later.",
            "fields": {},
        }
    }
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert (record.levelname, record.getMessage(), record.status_code) == (
        "ERROR",
        "Internal Server Error: /api/crash/boom",
        500,
    )
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "a bug nobody caught"


def test_the_500_handler_answers_json_under_api(rf) -> None:
    """Exceptions outside an operation (middleware) reach Django's handler500."""
    api_response = server_error(rf.get("/api/v1/me"))
    assert (api_response.status_code, json.loads(api_response.content)["error"]["code"]) == (500, "server_error")
    page = server_error(rf.get("/teach/"))
    assert (page.status_code, page["Content-Type"]) == (500, "text/html; charset=utf-8")


# --- what a request may carry -----------------------------------------------------------------

TEXT_ERROR = "Text cannot contain NUL characters or unpaired surrogates."


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        b'{"first_name": "Sa\\u0000m"}',
        b'{"first_name": "Sa\\ud800m"}',
        b'{"first_name": "Sam", "last_name": "\\udfff"}',
    ],
)
def test_nul_and_lone_surrogates_are_refused_in_a_body(client, student, raw) -> None:
    client.force_login(student)
    response = client.patch("/api/v1/me", raw, content_type="application/json")
    assert response.status_code == 422
    field = "last_name" if b"last_name" in raw else "first_name"
    assert response.json()["error"]["fields"] == {field: [TEXT_ERROR]}
    student.refresh_from_db()
    assert (student.first_name, student.last_name) == ("Sam", "Student")


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog")
def test_nul_is_refused_inside_lists_and_in_query_parameters(client, instructor) -> None:
    client.force_login(instructor)
    offering = {
        "service": "piano", "duration_options": [60], "age_groups": ["adults", "kids\x00"],
        "skill_levels": ["beginner"], "rates": {"online": 7000, "studio": None, "travel": None},
    }  # fmt: skip
    created = client.post("/api/v1/instructors/me/offerings", offering, content_type="application/json")
    assert (created.status_code, created.json()["error"]["fields"]) == (422, {"age_groups.1": [TEXT_ERROR]})
    assert not Offering.objects.exists()

    for url, field in [
        ("/api/v1/catalog/kids-services?category=music%00", "category"),  # a plain parameter
        ("/api/v1/instructors?service=%00", "service"),  # a query schema
        ("/api/v1/search?q=piano%00", "q"),
    ]:
        response = client.get(url)
        assert (response.status_code, response.json()["error"]["fields"]) == (422, {field: [TEXT_ERROR]}), url


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"[]", b"[null, null]", b"42", b'"first_name"'])
def test_a_body_must_be_a_json_object(client, student, raw) -> None:
    client.force_login(student)
    response = client.patch("/api/v1/me", raw, content_type="application/json")
    assert (response.status_code, response.json()["error"]["fields"]) == (
        422,
        {"__all__": ["Value error, Send a JSON object."]},
    )
    student.refresh_from_db()
    assert student.first_name == "Sam"


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog")
def test_body_values_must_have_their_documented_json_types(client, instructor) -> None:
    client.force_login(instructor)
    offering = {
        "service": "piano", "duration_options": ["60"], "age_groups": ["adults"], "skill_levels": ["beginner"],
        "rates": {"online": 7000, "studio": None, "travel": None}, "is_active": 0,
    }  # fmt: skip
    response = client.post("/api/v1/instructors/me/offerings", offering, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "duration_options.0": ["Input should be a valid integer"],
        "is_active": ["Input should be a valid boolean"],
    }
    assert not Offering.objects.exists()


def test_a_body_that_is_not_json_is_a_400(client, student) -> None:
    client.force_login(student)
    response = client.patch("/api/v1/me", b"\x00", content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_request")
