"""The booking scene, for the tests that check what a money event tells each side."""

from apps.bookings.tests.conftest import bank, scene  # noqa: F401  (pytest fixtures, used by name)
