"""Writes of calendar import: add and remove a feed, refresh one, and the periodic sweep.

A refresh never holds a row lock across the network: it claims the feed by pushing its
`next_fetch_at` forward (compare-and-set, a lease), fetches with no transaction open, then
writes the outcome in a short transaction. A successful fetch replaces the feed's busy rows;
a failed one keeps them (a calendar server being down must not open up time the instructor
is busy), counts the failure, backs off, and tells the instructor once per failing spell.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from ipaddress import ip_network
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.accounts.models import User
from apps.availability.feeds.fetch import FeedFetchError, FetchPolicy, feed_fetch, feed_url_normalize
from apps.availability.feeds.parse import FeedParseError, busy_stretches
from apps.availability.feeds.selectors import imported_calendar_get
from apps.availability.models import FEED_LABEL_MAX, FEED_URL_MAX, ExternalBusy, ImportedCalendar
from apps.availability.services import availability_owner_ensure
from apps.availability.slots import SlotRules
from apps.core.errors import Conflict, ValidationFailed
from apps.notifications.services import notify
from apps.search.generation import search_generation_bump
from apps.waitlist.services import waitlist_check_after_commit

logger = logging.getLogger(__name__)

MAX_FEEDS = 5
MAX_EVENTS = 5000
REFRESH_EVERY = timedelta(minutes=30)
# A fetch that has not finished within the lease is treated as lost and retried.
FETCH_LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=6)
SWEEP_BATCH = 50
PAST_MARGIN = timedelta(days=1)


def feed_host(feed: ImportedCalendar) -> str:
    """What pages show of the secret address: its host only."""
    return urlsplit(feed.url).hostname or ""


def _validated(url: str, label: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    label = " ".join(label.split())
    if not label:
        errors["label"] = ["Give the calendar a name, e.g. School or Studio."]
    elif len(label) > FEED_LABEL_MAX:
        errors["label"] = [f"Keep the name under {FEED_LABEL_MAX} characters."]
    try:
        url = feed_url_normalize(url)
        if len(url) > FEED_URL_MAX:
            errors["url"] = [f"That address is longer than {FEED_URL_MAX} characters."]
    except FeedFetchError as exc:
        errors["url"] = [str(exc)]
    if errors:
        raise ValidationFailed("Check the calendar's details.", fields=errors)
    return url, label


def imported_calendar_add(*, actor: User, url: str, label: str, now: datetime) -> ImportedCalendar:
    """Add a feed; the sweep fetches it within a minute (`imported_calendar_refresh` at once
    when the caller asks). Refused past MAX_FEEDS and for an address already added."""
    profile = availability_owner_ensure(actor=actor)
    url, label = _validated(url, label)
    with transaction.atomic():
        if ImportedCalendar.objects.filter(instructor=profile).count() >= MAX_FEEDS:
            raise Conflict(f"You can connect up to {MAX_FEEDS} calendars. Remove one to add another.")
        try:
            with transaction.atomic():
                return ImportedCalendar.objects.create(
                    instructor=profile, url=url, label=label, created_at=now, next_fetch_at=now
                )
        except IntegrityError as exc:
            raise Conflict("That calendar is already connected.", fields={"url": ["Already connected."]}) from exc


def imported_calendar_remove(*, actor: User, feed_id: int) -> None:
    """Disconnect a feed: its busy times stop blocking slots at once."""
    feed = imported_calendar_get(profile=availability_owner_ensure(actor=actor), feed_id=feed_id)
    with transaction.atomic():
        had_busy = ExternalBusy.objects.filter(feed=feed).exists()
        feed.delete()
        if had_busy:
            transaction.on_commit(search_generation_bump)
            waitlist_check_after_commit(instructor_id=feed.instructor_id)


def _claim(feed_id: int, now: datetime, *, force: bool) -> ImportedCalendar | None:
    """Take the lease on a due feed (or any feed, when forced); None if someone else has it."""
    due = ImportedCalendar.objects.filter(pk=feed_id)
    if not force:
        due = due.filter(next_fetch_at__lte=now)
    claimed = due.update(next_fetch_at=now + FETCH_LEASE, last_fetched_at=now)
    return ImportedCalendar.objects.select_related("instructor").filter(pk=feed_id).first() if claimed else None


def _policy() -> FetchPolicy:
    return FetchPolicy(
        max_bytes=settings.CALENDAR_FEED_MAX_BYTES,
        allowed_private_networks=tuple(ip_network(n) for n in settings.CALENDAR_FEED_ALLOWED_PRIVATE_NETWORKS),
    )


def _replace_busy(feed: ImportedCalendar, stretches: list[tuple[datetime, datetime]]) -> bool:
    """Store the feed's busy time; True when it differs from what was stored."""
    stored = list(ExternalBusy.objects.filter(feed=feed).order_by("starts_at").values_list("starts_at", "ends_at"))
    if stored == stretches:
        return False
    ExternalBusy.objects.filter(feed=feed).delete()
    ExternalBusy.objects.bulk_create(
        ExternalBusy(feed=feed, instructor_id=feed.instructor_id, starts_at=start, ends_at=end)
        for start, end in stretches
    )
    return True


def _record_success(
    feed: ImportedCalendar,
    stretches: list[tuple[datetime, datetime]] | None,
    result_tags: tuple[str, str],
    now: datetime,
) -> None:
    with transaction.atomic():
        locked = ImportedCalendar.objects.select_for_update().filter(pk=feed.pk).first()
        if locked is None:
            return  # removed while we fetched
        changed = stretches is not None and _replace_busy(locked, stretches)
        locked.etag, locked.last_modified = result_tags
        locked.last_success_at, locked.failure_count, locked.last_error = now, 0, ""
        locked.next_fetch_at = now + REFRESH_EVERY
        locked.save(
            update_fields=["etag", "last_modified", "last_success_at", "failure_count", "last_error", "next_fetch_at"]
        )
        if changed:
            transaction.on_commit(search_generation_bump)
            # Busy time that went away may open a time someone is waiting for.
            waitlist_check_after_commit(instructor_id=locked.instructor_id)


def _record_failure(feed: ImportedCalendar, reason: str, now: datetime) -> None:
    with transaction.atomic():
        locked = (
            ImportedCalendar.objects.select_for_update().select_related("instructor__user").filter(pk=feed.pk).first()
        )
        if locked is None:
            return
        first_failure = locked.failure_count == 0
        locked.failure_count += 1
        locked.last_error = reason[:300]
        locked.next_fetch_at = now + min(REFRESH_EVERY * 2 ** (locked.failure_count - 1), MAX_BACKOFF)
        locked.save(update_fields=["failure_count", "last_error", "next_fetch_at"])
        if first_failure:  # once per failing spell, not on every retry
            notify(
                user=locked.instructor.user,
                kind="imported_calendar_failing",
                subject=f"We can't read your calendar “{locked.label}”",
                body=(
                    f"{reason} Until it works again we keep the busy times we last read from it, so no lesson "
                    "can be booked over them. Check the address in your calendar settings, or remove it."
                ),
                url=reverse("availability:calendars"),
                now=now,
            )


def imported_calendar_refresh(*, feed_id: int, now: datetime, force: bool = False) -> bool | None:
    """Fetch one feed and store what it says. True: read (changed or not); False: failed;
    None: not due, or another worker is on it."""
    feed = _claim(feed_id, now, force=force)
    if feed is None:
        return None
    zone = ZoneInfo(feed.instructor.timezone)
    try:
        result = feed_fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified, policy=_policy())
        stretches = None
        if result.body is not None:
            horizon = timedelta(days=SlotRules().max_horizon_days + 1)
            stretches = busy_stretches(
                result.body, zone=zone, start=now - PAST_MARGIN, end=now + horizon, limit=MAX_EVENTS
            )
    except (FeedFetchError, FeedParseError) as exc:
        logger.info("calendar feed %s failed: %s", feed.pk, exc)
        _record_failure(feed, str(exc), now)
        return False
    _record_success(feed, stretches, (result.etag, result.last_modified), now)
    return True


def imported_calendars_sweep(*, now: datetime) -> int:
    """Refresh the feeds that are due, oldest first; returns how many were read."""
    due = ImportedCalendar.objects.filter(next_fetch_at__lte=now).order_by("next_fetch_at")
    started, read = time.monotonic(), 0
    for feed_id in list(due.values_list("pk", flat=True)[:SWEEP_BATCH]):
        # Fetches take real time: each claim's lease starts when its fetch does.
        elapsed = timedelta(seconds=time.monotonic() - started)
        read += bool(imported_calendar_refresh(feed_id=feed_id, now=now + elapsed))
    return read
