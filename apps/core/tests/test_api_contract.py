from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from apps.accounts.models import Learner


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
def test_session_writes_need_the_csrf_token(student) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    response = client.patch("/api/v1/me", {"first_name": "Mallory"}, content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "csrf_failed")
    student.refresh_from_db()
    assert student.first_name == "Sam"
