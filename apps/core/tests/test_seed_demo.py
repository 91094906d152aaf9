from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F

from apps.accounts.models import Learner, Role, User
from apps.availability.models import AvailabilityDay
from apps.bookings.models import Booking
from apps.catalog.models import Service
from apps.core.demo import DemoContext, demo_seed, seed_users
from apps.instructors.demo import POPULAR_SERVICES, seed_instructor_profiles
from apps.instructors.models import InstructorProfile, Offering
from apps.media.models import BackgroundCheckDocument
from apps.messaging.models import Conversation, Message, Report
from apps.notifications.models import Notification
from apps.payments.models import CreditEntry, PaymentMethod, Payout
from apps.reviews.models import InstructorRating, Review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # Wed 2 Dec, 9:00 in New York
OFFERING_FIELDS = (
    "profile__slug", "profile__headline", "profile__bio", "service__slug",
    "rate_online_cents", "rate_studio_cents", "rate_travel_cents", "duration_options",
)  # fmt: skip
STUDENT, INSTRUCTOR = "student1@demo.instainstru.test", "instructor1@demo.instainstru.test"


def _users() -> list[tuple[str, str, str, str]]:
    return list(User.objects.order_by("email").values_list("email", "first_name", "last_name", "role"))


def _everything() -> dict[str, list[tuple[object, ...]]]:
    """What a visitor could see of the demo, in a comparable form."""
    return {
        "users": list(_users()),
        "offerings": list(Offering.objects.order_by("profile__slug", "service__slug").values_list(*OFFERING_FIELDS)),
        "availability": list(
            AvailabilityDay.objects.order_by("instructor__slug", "date").values_list(
                "instructor__slug", "date", "cells"
            )
        ),
        "bookings": list(
            Booking.objects.order_by("starts_at", "instructor__slug").values_list(
                "student__email", "instructor__slug", "starts_at", "status", "payment_status", "total_cents"
            )
        ),
        "credits": list(CreditEntry.objects.order_by("id").values_list("user__email", "kind", "amount_cents")),
        "payouts": list(Payout.objects.order_by("id").values_list("instructor__slug", "status", "amount_cents")),
        "reviews": list(
            Review.objects.order_by("booking__starts_at", "instructor__slug").values_list(
                "instructor__slug", "author__email", "stars", "text", "posted_at", "reply_text", "flags"
            )
        ),
        "messages": list(
            Message.objects.order_by("created_at", "sender__email").values_list(
                "conversation__student__email", "conversation__instructor__email", "sender__email", "body", "created_at"
            )
        ),
    }


def _seeded(*, instructors: int | None, seed: int) -> dict[str, list[tuple[object, ...]]]:
    """Seed inside a savepoint, read everything, and roll it back."""
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        demo_seed(instructors=instructors, seed=seed)
        found = _everything()
        transaction.set_rollback(True)
    return found


def test_seed_demo_is_deterministic_for_a_seed() -> None:
    first = _seeded(instructors=40, seed=7)
    assert len([u for u in first["users"] if u[3] == Role.INSTRUCTOR]) == 40
    assert len(first["bookings"]) >= 10
    assert len(first["reviews"]) >= 40
    assert len(first["messages"]) == 7
    assert _seeded(instructors=40, seed=7) == first


def _city(seed: int) -> dict[str, list[tuple[object, ...]]]:
    """People and what they teach only (the steps a seed decides), rolled back."""
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        ctx = DemoContext(rng=random.Random(seed), instructor_count=40, password_hash="!")
        seed_users(ctx)
        seed_instructor_profiles(ctx)
        found = _everything()
        transaction.set_rollback(True)
    return found


# The catalog and gazetteer the city is drawn from: a transactional test run earlier on this
# worker (whole files go to one worker) may have flushed the session's copy.
@pytest.mark.usefixtures("catalog", "gazetteer")
def test_another_seed_gives_another_city() -> None:
    first, other = _city(7), _city(8)
    assert other["users"] != first["users"]
    assert other["offerings"] != first["offerings"]
    assert _city(7) == first


def test_the_default_demo_tells_every_story() -> None:
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", seed=2026)
    assert EmailAddress.objects.filter(verified=True).count() == User.objects.count()
    assert User.objects.filter(is_staff=True).count() == 1
    assert User.objects.get(email=INSTRUCTOR).check_password("instainstru-demo")
    student = User.objects.get(email=STUDENT)
    lessons = Booking.objects.filter(student=student)
    upcoming = lessons.filter(starts_at__gt=NOW, status="confirmed")
    assert upcoming.count() >= 2
    assert lessons.filter(starts_at__lt=NOW, status="completed", payment_status="captured").count() == 2
    assert lessons.filter(status="cancelled", payment_status="settled").count() == 1  # early: nothing charged
    assert lessons.filter(status="cancelled", payment_status="captured").count() == 1  # late: charged, credit back
    assert upcoming.filter(events__kind="rescheduled").count() == 1
    assert lessons.filter(learner__isnull=False).exists()  # a lesson booked for their child
    assert PaymentMethod.objects.filter(user=student, last4="4242", is_default=True).exists()
    balance = sum(CreditEntry.objects.filter(user=student).values_list("amount_cents", flat=True))
    assert balance > 0
    assert Notification.objects.filter(user=student).count() >= 5
    teaching = Booking.objects.filter(instructor__user__email=INSTRUCTOR)
    week = teaching.filter(starts_at__gt=NOW, starts_at__lt=datetime(2026, 12, 10, tzinfo=UTC), status="confirmed")
    assert week.values("student").distinct().count() >= 4
    assert Payout.objects.filter(instructor__user__email=INSTRUCTOR, status="paid").exists()
    assert BackgroundCheckDocument.objects.filter(instructor__email=INSTRUCTOR, status="pending").count() == 1
    assert Learner.objects.filter(parent=student).count() == 2
    assert Service.objects.exists()
    _the_demo_has_reviews(student)
    _the_demo_has_conversations(student)


def _the_demo_has_conversations(student: User) -> None:
    """student1 has an unread answer from instructor1 (with a phone number: they have a
    booking, so it shows) and a masked question to a teacher they never booked; instructor1
    has a late notice unread; staff have one report of an off-platform payment request."""
    teacher1 = Conversation.objects.get(student=student, instructor__email=INSTRUCTOR)
    assert teacher1.booking is not None
    assert teacher1.booking.learner is not None
    assert teacher1.last_message_id > teacher1.student_read_id
    assert "917-555-0123" in Message.objects.filter(conversation=teacher1).last().body  # type: ignore[union-attr]
    asked = Conversation.objects.exclude(instructor__email=INSTRUCTOR).get(student=student)
    assert list(asked.messages.values_list("body", flat=True)) == [
        "Hello! Do you teach complete beginners? Easier to talk by phone: [hidden]."
    ]
    unread_for_teacher1 = Conversation.objects.filter(
        instructor__email=INSTRUCTOR, last_message_id__gt=F("instructor_read_id")
    )
    assert unread_for_teacher1.count() == 1
    report = Report.objects.get()
    assert [m.body for m in report.messages.all()] == [
        "Skip the fees: pay me on Venmo [hidden] and I'll give you 20% off."
    ]


def _the_demo_has_reviews(student: User) -> None:
    """Ratings show on the first run: instructor1 rated and replying, one review in the staff
    queue, student1's lesson for their child waiting for a review; the popular teachers
    mostly rated between 3.8 and 5, a few still "New"."""
    assert list(Review.objects.filter(author=student).values_list("service_name", flat=True)) == ["Spanish"]
    waiting = Booking.objects.filter(student=student, status="completed", review__isnull=True)
    assert list(waiting.values_list("learner__first_name", flat=True)) == ["Maya"]
    teacher1 = InstructorRating.objects.get(instructor__user__email=INSTRUCTOR)
    assert teacher1.review_count >= 3
    assert Review.objects.filter(instructor__user__email=INSTRUCTOR, replied_at__isnull=False).exists()
    assert [r.flags for r in Review.objects.all() if r.needs_moderation] == [["contact"]]
    popular = InstructorProfile.objects.filter(offerings__service__slug__in=POPULAR_SERVICES).distinct()
    rated = InstructorRating.objects.filter(instructor__in=popular, review_count__gte=3)
    assert rated.count() >= 0.8 * popular.count()
    assert popular.exclude(rating__review_count__gte=3).exists()  # some are "New"
    averages = [row.stars_total / row.review_count for row in rated]
    assert 3.8 <= min(averages) < 4.2
    assert max(averages) == 5.0
    assert Review.objects.filter(replied_at__isnull=False).count() >= 0.2 * Review.objects.count()
    # The history never double-books a student, and every history lesson is settled and past.
    history = Booking.objects.filter(payment_status="settled", status="completed")
    assert history.filter(ends_at__gte=NOW - timedelta(days=34)).count() == 0
    days = list(history.values_list("student_id", "starts_at__date"))
    assert len(days) == len(set(days))


def test_seed_demo_if_empty_leaves_existing_data_alone(capsys) -> None:
    call_command("seed_demo", instructors=5)
    before = _users()
    call_command("seed_demo", instructors=5, if_empty=True)
    assert "already present" in capsys.readouterr().out
    assert _users() == before
    with pytest.raises(CommandError, match="already exists"):
        call_command("seed_demo", instructors=5)


def test_a_demo_loaded_weeks_ago_keeps_thirty_days_of_open_times(capsys) -> None:
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", instructors=5)
    later = NOW + timedelta(days=20)
    with time_machine.travel(later, tick=False):
        call_command("seed_demo", instructors=5, if_empty=True)
    assert "Open times extended" in capsys.readouterr().out
    horizon = (later + timedelta(days=29)).date()
    for profile in InstructorProfile.objects.all():
        rows = dict(AvailabilityDay.objects.filter(instructor=profile).values_list("date", "cells"))
        added = [day for day in rows if day > (NOW + timedelta(days=29)).date()]
        assert added, profile
        assert max(rows) <= horizon
        # The weekly pattern goes on: a new day repeats the same weekday a week earlier.
        assert all(rows[day] == rows.get(day - timedelta(days=7)) for day in added)
        assert max(rows) >= horizon - timedelta(days=6)
    with time_machine.travel(later, tick=False):
        call_command("seed_demo", instructors=5, if_empty=True)
    assert "Open times extended" not in capsys.readouterr().out


def test_seed_demo_refuses_to_run_in_production(settings) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run in production"):
        call_command("seed_demo", instructors=5)
    assert not User.objects.exists()
