"""The booking scene (a live instructor with open days and a student's saved card) for the
credits and payouts tests."""

from apps.bookings.tests.conftest import bank, scene  # noqa: F401  (pytest fixtures, used by name)
