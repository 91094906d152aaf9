"""Waitlist entry statuses with their legal transitions, declared once."""

from __future__ import annotations

from django.db import models


class EntryStatus(models.TextChoices):
    ACTIVE = "active", "Waiting"  # matched against open times
    CANCELLED = "cancelled", "Cancelled"  # the student stopped it
    EXPIRED = "expired", "Ended"  # its last date passed


ENTRY_TRANSITIONS: dict[EntryStatus, frozenset[EntryStatus]] = {
    EntryStatus.ACTIVE: frozenset({EntryStatus.CANCELLED, EntryStatus.EXPIRED}),
    EntryStatus.CANCELLED: frozenset(),
    EntryStatus.EXPIRED: frozenset(),
}


def entry_can_transition(current: str, target: str) -> bool:
    return EntryStatus(target) in ENTRY_TRANSITIONS[EntryStatus(current)]
