"""The bookings tests' scene (a live piano teacher open 09:00–17:00 New York time from Tue 1
Dec 2026 for ten days, NOW = Tue 1 Dec 07:00 there) and helpers to wait for Thursday."""

from __future__ import annotations

from datetime import time

from apps.accounts.models import User
from apps.bookings.tests.conftest import NOW, THURSDAY, Scene, bank, local, scene  # noqa: F401  (fixtures)
from apps.waitlist.models import WaitlistEntry
from apps.waitlist.services import WaitWindow, waitlist_join

THURSDAY_NUMBER = 3


def thursday_window(start: time, end: time) -> WaitWindow:
    return WaitWindow(weekdays=frozenset({THURSDAY_NUMBER}), start=start, end=end, date_from=THURSDAY, date_to=THURSDAY)


def wait_for(student: User, teacher_scene: Scene, start: time, end: time) -> WaitlistEntry:
    return waitlist_join(
        actor=student, slug=teacher_scene.profile.slug, service="piano", window=thursday_window(start, end), now=NOW
    )
