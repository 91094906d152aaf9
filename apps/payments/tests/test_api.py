from __future__ import annotations

import pytest

from apps.payments.models import PaymentMethod

pytestmark = pytest.mark.django_db


def test_card_management_api(client, student, other_student) -> None:
    client.force_login(student)
    added = client.post(
        "/api/v1/me/payment-methods", {"card_number": "4242 4242 4242 4242"}, content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )  # fmt: skip
    assert added.status_code == 201
    card_id = added.json()["id"]
    assert added.json() == {
        "id": card_id,
        "brand": "visa",
        "last4": "4242",
        "exp_month": 12,
        "exp_year": 2034,
        "is_default": True,
    }
    retried = client.post(
        "/api/v1/me/payment-methods", {"card_number": "4242424242424242"}, content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )  # fmt: skip
    assert retried.json()["id"] == card_id
    bad = client.post("/api/v1/me/payment-methods", {"card_number": "4111"}, content_type="application/json")
    assert bad.status_code == 422
    assert list(bad.json()["error"]["fields"]) == ["card"]
    assert [c["id"] for c in client.get("/api/v1/me/payment-methods").json()] == [card_id]

    client.force_login(other_student)
    assert client.get("/api/v1/me/payment-methods").json() == []
    assert client.delete(f"/api/v1/me/payment-methods/{card_id}").status_code == 404
    assert client.post(f"/api/v1/me/payment-methods/{card_id}/default").status_code == 404
    assert PaymentMethod.objects.filter(pk=card_id).exists()
