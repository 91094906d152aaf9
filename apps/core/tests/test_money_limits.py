"""Money operations: declared once (@money_operation), counted against API_RATE_MONEY from
every way in (API, pages), never by tasks or direct calls, and a refusal changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.test import RequestFactory

from apps.bookings import policies, services
from apps.bookings.models import Booking, BookingEvent
from apps.bookings.series import edits as series_edits
from apps.bookings.series import services as series_services
from apps.core.errors import RateLimited
from apps.core.limits import MONEY_OPERATIONS, money_allowance_consume, serving
from apps.core.models import IdempotencyKey
from apps.payments import payouts
from apps.payments import services as payment_services
from apps.payments.models import PaymentMethod, Payout

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CARD = {"card_number": "4242424242424242"}


def test_the_money_operations_are_exactly_those_the_readme_names() -> None:
    """README: "money operations (booking, cancelling, rescheduling, no-show reports and
    disputes, paying with another card, saving, removing or choosing a default card, instant
    payouts, staff refunds, setting up, changing or ending a weekly lesson) also count against
    the third". Marking a lesson complete moves no money: the
    capture happens at end + 24 h whether or not the instructor marks it."""
    assert sorted(MONEY_OPERATIONS) == [
        "apps.bookings.policies.booking_cancel",
        "apps.bookings.policies.booking_reschedule",
        "apps.bookings.policies.no_show_dispute",
        "apps.bookings.policies.no_show_report",
        "apps.bookings.refunds.booking_refund",
        "apps.bookings.series.edits.booking_series_change",
        "apps.bookings.series.edits.booking_series_end",
        "apps.bookings.series.services.booking_series_create",
        "apps.bookings.series.services.booking_series_from_booking",
        "apps.bookings.services.booking_create",
        "apps.bookings.services.booking_payment_method_change",
        "apps.payments.payouts.payout_instant",
        "apps.payments.services.payment_method_add",
        "apps.payments.services.payment_method_delete",
        "apps.payments.services.payment_method_set_default",
    ]


CALLS: dict[str, tuple[Any, dict[str, Any]]] = {
    "booking_create": (
        services.booking_create,
        {"request": services.BookingRequest("nobody", "piano", "online", 60, NOW + timedelta(days=2)), "now": NOW},
    ),
    "booking_payment_method_change": (
        services.booking_payment_method_change,
        {"booking_id": 0, "payment_method_id": 0, "now": NOW},
    ),
    "booking_cancel": (policies.booking_cancel, {"booking_id": 0, "now": NOW}),
    "booking_reschedule": (policies.booking_reschedule, {"booking_id": 0, "starts_at": NOW, "now": NOW}),
    "no_show_report": (policies.no_show_report, {"booking_id": 0, "now": NOW}),
    "no_show_dispute": (policies.no_show_dispute, {"booking_id": 0, "now": NOW}),
    "payment_method_add": (payment_services.payment_method_add, {"card_token": "4242424242424242"}),
    "payment_method_set_default": (payment_services.payment_method_set_default, {"payment_method_id": 0}),
    "payment_method_delete": (payment_services.payment_method_delete, {"payment_method_id": 0}),
    "payout_instant": (payouts.payout_instant, {"now": NOW}),
    "booking_series_create": (
        series_services.booking_series_create,
        {
            "request": services.BookingRequest("nobody", "piano", "online", 60, NOW + timedelta(days=2)),
            "weeks": 4,
            "now": NOW,
        },
    ),
    "booking_series_from_booking": (
        series_services.booking_series_from_booking,
        {"booking_id": 0, "weeks": 4, "now": NOW},
    ),
    "booking_series_change": (
        series_edits.booking_series_change,
        {"series_id": 0, "from_date": NOW.date(), "weekday": 1, "local_time": time(16), "now": NOW},
    ),
    "booking_series_end": (series_edits.booking_series_end, {"series_id": 0, "now": NOW}),
}


def _counts() -> list[int]:
    return [m.objects.count() for m in (Booking, BookingEvent, PaymentMethod, Payout)]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_money_operation_is_refused_once_the_allowance_is_spent(name: str, student, settings) -> None:
    service, kwargs = CALLS[name]
    assert f"{service.__module__}.{service.__name__}" in MONEY_OPERATIONS
    limit = int(settings.API_RATE_LIMITS["money"].split("/")[0])
    with time_machine.travel(NOW, tick=False), serving(RequestFactory().post("/")):
        for _ in range(limit):
            money_allowance_consume(user_pk=student.pk, now=NOW)
        before = _counts()
        with pytest.raises(RateLimited) as refused:
            service(actor=student, **kwargs)
    assert refused.value.retry_after_seconds == 60
    assert _counts() == before


def test_outside_a_request_services_are_not_limited(student, settings) -> None:
    """Tasks, sweeps, commands and tests call services without a request: no allowance."""
    limit = int(settings.API_RATE_LIMITS["money"].split("/")[0])
    for _ in range(limit):
        money_allowance_consume(user_pk=student.pk, now=NOW)
    with time_machine.travel(NOW, tick=False):
        card = payment_services.payment_method_add(actor=student, card_token="4242424242424242")
    assert list(PaymentMethod.objects.values_list("pk", flat=True)) == [card.pk]


def test_saving_cards_through_the_api_counts_as_money(client, student, settings) -> None:
    """The probe's finding: seven saves in a row were seven 201s."""
    client.force_login(student)
    limit = int(settings.API_RATE_LIMITS["money"].split("/")[0])
    with time_machine.travel(NOW, tick=False):
        responses = [
            client.post("/api/v1/me/payment-methods", CARD, content_type="application/json") for _ in range(limit + 2)
        ]
    assert [r.status_code for r in responses] == [201] * limit + [429, 429]
    assert responses[-1].json() == {
        "error": {"code": "rate_limited", "message": "Too many tries in a row. Try again in 60 seconds.", "fields": {}}
    }
    assert responses[-1]["Retry-After"] == "60"
    assert PaymentMethod.objects.filter(user=student).count() == limit


def test_pages_and_the_api_share_one_allowance(client, student, settings) -> None:
    client.force_login(student)
    limit = int(settings.API_RATE_LIMITS["money"].split("/")[0])
    with time_machine.travel(NOW, tick=False):
        api = [client.post("/api/v1/me/payment-methods", CARD, content_type="application/json") for _ in range(3)]
        card = PaymentMethod.objects.filter(user=student).first()
        assert card is not None
        page = [
            client.post("/account/settings/cards/", {"card": "4242 4242 4242 4242", "render_key": "r1"}),
            client.post(f"/account/settings/cards/{card.pk}/default/"),
            client.post(f"/account/settings/cards/{card.pk}/delete/"),
        ]
    assert [r.status_code for r in api] == [201, 201, 201]
    assert [r.status_code for r in page] == [302, 302, 429]
    assert page[-1]["Retry-After"] == "60"
    assert "Too many tries in a row. Try again in 60 seconds." in page[-1].content.decode()
    assert PaymentMethod.objects.filter(user=student).count() == limit - 1  # 3 + 1, the removal refused
    assert PaymentMethod.objects.filter(pk=card.pk).exists()


def test_a_refusal_is_not_stored_under_the_idempotency_key(client, instructor, settings) -> None:
    """429 means "later", not "no": the retry after the wait runs instead of replaying it."""
    client.force_login(instructor)
    limit = int(settings.API_RATE_LIMITS["money"].split("/")[0])
    for _ in range(limit):
        money_allowance_consume(user_pk=instructor.pk, now=NOW)
    with time_machine.travel(NOW, tick=False):
        refused = client.post("/api/v1/me/payouts/instant", HTTP_IDEMPOTENCY_KEY="payout-1")
    assert refused.status_code == 429
    assert not IdempotencyKey.objects.filter(user=instructor).exists()
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        retried = client.post("/api/v1/me/payouts/instant", HTTP_IDEMPOTENCY_KEY="payout-1")
    # It ran this time, and its answer (no instructor profile yet) is the one kept for the key.
    assert retried.status_code == 403
    assert retried.json()["error"]["message"] == "Only instructors have earnings."
    stored = IdempotencyKey.objects.get(user=instructor, key="payout-1")
    assert (stored.response_status, json.loads(stored.response_body)) == (403, retried.json())
