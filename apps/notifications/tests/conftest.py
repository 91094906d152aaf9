"""The booking scene, for the tests that check what a money event tells each side."""

from apps.bookings.tests.conftest import scene  # noqa: F401  (a pytest fixture, used by name)
