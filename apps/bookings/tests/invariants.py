"""Money invariants to assert after any booking lifecycle, read from the LocalGateway's own
records (the provider's side of the story):

1. every live hold at the gateway is referenced by exactly one booking, and none was ever
   left for the orphan-hold sweep to find;
2. no settlement attempt reached the gateway before it was due: an attempt no earlier than
   `capture_retry_at` after the one before it, unless the booking was authorized again in
   between (the student fixed the card, which makes a retry due at once).

Attempts are told apart by the idempotency keys the settlement gives the provider
(`settlement:<id>:<attempt>:<step>`); an attempt that never reached the provider (no card
at all) moves no money and is not seen here."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from itertools import pairwise

from django.db.models import Max

from apps.bookings.models import Booking, BookingEvent, OrphanHold, Settlement
from apps.bookings.schedule import capture_retry_at, money_clock
from apps.bookings.states import PaymentStatus
from apps.payments.models import LocalIntent, LocalOperation

SETTLEMENT_KEY = re.compile(r"^settlement:(\d+):(\d+):")


def gateway_now() -> datetime | None:
    """The last moment the gateway was called: holds expired by then are no longer live."""
    last = [
        LocalIntent.objects.aggregate(at=Max("created_at"))["at"],
        LocalOperation.objects.aggregate(at=Max("created_at"))["at"],
    ]
    return max((at for at in last if at is not None), default=None)


def badly_referenced_holds(*, now: datetime) -> dict[str, int]:
    """Live holds at the gateway that not exactly one booking references, with the count."""
    live = LocalIntent.objects.filter(status="authorized", expires_at__gt=now).values_list("intent_id", flat=True)
    references = {intent: Booking.objects.filter(payment_intent_id=intent).count() for intent in live}
    return {intent: count for intent, count in references.items() if count != 1}


def _attempt_times() -> dict[int, dict[int, datetime]]:
    times: dict[int, dict[int, datetime]] = defaultdict(dict)
    records = [
        *LocalIntent.objects.values_list("idempotency_key", "created_at"),
        *LocalOperation.objects.values_list("idempotency_key", "created_at"),
    ]
    for key, at in records:
        match = SETTLEMENT_KEY.match(key)
        if match:
            attempts = times[int(match[1])]
            number = int(match[2])
            attempts[number] = min(at, attempts.get(number, at))
    return times


def early_settlement_attempts() -> list[str]:
    clock = money_clock()
    early = []
    for settlement_id, attempts in sorted(_attempt_times().items()):
        settlement = Settlement.objects.get(pk=settlement_id)
        numbers = sorted(attempts)
        for previous, current in pairwise(numbers):
            before, at = attempts[previous], attempts[current]
            assert settlement.first_failed_at is not None  # a second attempt follows a failure
            due = capture_retry_at(clock, first_failed_at=settlement.first_failed_at, now=before)
            card_fixed = BookingEvent.objects.filter(
                booking_id=settlement.booking_id, kind="payment", to_status=PaymentStatus.AUTHORIZED,
                at__gt=before, at__lte=at,
            ).exists()  # fmt: skip
            if at < due and not card_fixed:
                early.append(
                    f"settlement {settlement_id}: attempt {current} at {at:%d %b %H:%M}, due {due:%d %b %H:%M}"
                )
    return early


def assert_money_invariants(*, now: datetime | None = None) -> None:
    """`now` defaults to the gateway's last call."""
    now = now or gateway_now()
    if now is not None:
        assert badly_referenced_holds(now=now) == {}
    assert list(OrphanHold.objects.values_list("intent_id", flat=True)) == []
    assert early_settlement_attempts() == []
