"""Reads for the waitlist: a student's entries (waiting first, then the latest ended)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from apps.accounts.models import User
from apps.waitlist.models import WaitlistEntry
from apps.waitlist.states import EntryStatus

LIST_LIMIT = 50


def waitlist_entry_list(*, user: User) -> QuerySet[WaitlistEntry]:
    waiting_first = Case(When(status=EntryStatus.ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        WaitlistEntry.objects.filter(student=user)
        .select_related("instructor", "offering__service")
        .order_by(waiting_first, "-created_at", "-id")[:LIST_LIMIT]
    )
