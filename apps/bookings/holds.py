"""Card holds (authorizations) no booking needs. A booking references at most one live
hold, its `payment_intent_id`: every path that replaces it cancels the old one after the
commit that recorded the new one, and a sweep releases live holds that no booking
references (a crash between that commit and the release, or a path that forgot), alerting
staff, since each is money held on a student's card for nothing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Q

from apps.bookings import notices
from apps.bookings.models import Booking, OrphanHold
from apps.payments.gateway import Authorization, get_gateway

logger = logging.getLogger(__name__)

# Only holds older than this are judged: a worker that has just made one is about to record
# it on its booking (or, in a settlement, to capture it and rerun after its 10-minute lease
# at worst), so a younger unreferenced hold is not an orphan yet.
ORPHAN_AFTER = timedelta(hours=1)
CLAIM_LEASE = timedelta(minutes=10)


def booking_live_hold(booking: Booking, now: datetime) -> str:
    """The hold the booking references that still holds money on the card ("" when none:
    never authorized, already captured, or lapsed, which the provider cancels by itself)."""
    expires_at = booking.authorization_expires_at
    if booking.payment_intent_id and booking.captured_at is None and expires_at is not None and expires_at > now:
        return booking.payment_intent_id
    return ""


def hold_release_replaced(*, old_intent_id: str, new_intent_id: str, now: datetime) -> None:
    """Cancel the hold a new authorization replaced on a booking (no-op when none). The key
    is the hold's own, so a retried call releases it once."""
    if old_intent_id and old_intent_id != new_intent_id:
        get_gateway().release(intent_id=old_intent_id, idempotency_key=f"release-replaced:{old_intent_id}", now=now)


def _claim(hold: Authorization, now: datetime) -> bool:
    OrphanHold.objects.get_or_create(
        intent_id=hold.intent_id, defaults={"amount_cents": hold.amount_cents, "found_at": now}
    )
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    leased = OrphanHold.objects.filter(free, intent_id=hold.intent_id, released_at__isnull=True)
    return bool(leased.update(claimed_until=now + CLAIM_LEASE))


def _release(hold: Authorization, now: datetime) -> bool:
    if not _claim(hold, now):
        return False  # another worker has it
    get_gateway().release(intent_id=hold.intent_id, idempotency_key=f"release-orphan:{hold.intent_id}", now=now)
    OrphanHold.objects.filter(intent_id=hold.intent_id).update(released_at=now, claimed_until=None)
    logger.warning("released orphan hold %s (%s cents)", hold.intent_id, hold.amount_cents)
    notices.orphan_hold_released(intent_id=hold.intent_id, amount_cents=hold.amount_cents, now=now)
    return True


def sweep_orphan_holds(*, now: datetime) -> int:
    """Release the provider's live holds, older than an hour, that no booking references."""
    holds = get_gateway().holds_list(created_before=now - ORPHAN_AFTER, now=now)
    used = set(
        Booking.objects.filter(payment_intent_id__in=[h.intent_id for h in holds]).values_list(
            "payment_intent_id", flat=True
        )
    )
    released = 0
    for hold in holds:
        if hold.intent_id in used:
            continue
        try:
            released += _release(hold, now)
        except Exception:  # one failing hold must not stop the others
            logger.exception("orphan hold %s: release failed", hold.intent_id)
    return released
