"""Who may review which lesson and when (PRODUCT.md §7): the booking's student, once, for a
completed lesson, within 30 days of its end; edits for 48 hours; the instructor replies once.
On every refusal nothing changes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from apps.accounts.models import User
from apps.accounts.tests.factories import InstructorUserFactory, LearnerFactory
from apps.bookings.policies import booking_complete
from apps.bookings.states import BookingStatus
from apps.bookings.sweeps import sweep_completions
from apps.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.instructors.models import InstructorProfile
from apps.notifications.models import Notification
from apps.reviews.models import InstructorRating, Review
from apps.reviews.services import review_create, review_edit, review_hide, review_reply
from apps.reviews.tests.conftest import NOW, lesson
from apps.reviews.tests.helpers import refused

pytestmark = pytest.mark.django_db
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def _rating(profile: InstructorProfile) -> tuple[int, int]:
    row = InstructorRating.objects.filter(instructor=profile).first()
    return (row.review_count, row.stars_total) if row else (0, 0)


def _notes(user: User, kind: str) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(user=user, kind=kind).values_list("subject", "url"))


def test_the_student_reviews_a_completed_lesson(student, teacher) -> None:
    booking = lesson(student, teacher)
    review = review_create(actor=student, booking_id=booking.pk, stars=5, text="  Patient and clear.  ", now=NOW)
    review.refresh_from_db()
    assert (review.booking, review.instructor, review.author, review.service_name, review.learner_name) == (
        booking, teacher, student, "Piano", ""
    )  # fmt: skip
    assert (review.stars, review.text, review.status, review.posted_at, review.flags) == (
        5, "Patient and clear.", "visible", NOW, []
    )  # fmt: skip
    assert (review.edited_at, review.replied_at, review.flagged_at) == (None, None, None)
    assert _rating(teacher) == (1, 5)
    assert _notes(teacher.user, "review_posted") == [
        ("New review: 5 stars for Piano", f"/lessons/{booking.public_id}/review/")
    ]


@pytest.mark.parametrize(
    ("ended", "allowed"),
    [
        (29 * DAY, True),
        (30 * DAY, True),  # the last instant of the window is still inside it
        (30 * DAY + timedelta(seconds=1), False),
        (31 * DAY, False),
    ],
)
def test_the_window_closes_30_days_after_the_lesson_ends(student, teacher, ended, allowed) -> None:
    booking = lesson(student, teacher, ended=ended)
    if allowed:
        review_create(actor=student, booking_id=booking.pk, stars=4, text="", now=NOW)
        assert Review.objects.filter(booking=booking).count() == 1
        return
    with refused(Conflict, "Reviews are open for 30 days after the lesson; this one has closed."):
        review_create(actor=student, booking_id=booking.pk, stars=4, text="", now=NOW)
    assert not Review.objects.exists()
    assert _rating(teacher) == (0, 0)
    assert not Notification.objects.filter(kind="review_posted").exists()


@pytest.mark.parametrize(
    "status", [BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW, BookingStatus.PAYMENT_FAILED]
)
def test_only_completed_lessons_can_be_reviewed(student, teacher, status) -> None:
    booking = lesson(student, teacher, status=status)
    with refused(Conflict, "You can review a lesson once it is complete."):
        review_create(actor=student, booking_id=booking.pk, stars=5, text="", now=NOW)
    assert not Review.objects.exists()


def test_only_the_bookings_student_reviews(student, other_student, teacher) -> None:
    booking = lesson(student, teacher)
    with pytest.raises(NotFound):  # someone else's lesson does not exist for them
        review_create(actor=other_student, booking_id=booking.pk, stars=1, text="", now=NOW)
    with refused(PermissionDenied, "Only the student who took the lesson can review it."):
        review_create(actor=teacher.user, booking_id=booking.pk, stars=5, text="", now=NOW)
    assert not Review.objects.exists()
    assert _rating(teacher) == (0, 0)


def test_a_second_review_of_a_lesson_is_refused(student, teacher) -> None:
    booking = lesson(student, teacher)
    review_create(actor=student, booking_id=booking.pk, stars=5, text="Lovely teacher.", now=NOW)
    with refused(Conflict, "You already reviewed this lesson; a review can be edited for 48 hours."):
        review_create(actor=student, booking_id=booking.pk, stars=1, text="Changed my mind", now=NOW + HOUR)
    assert list(Review.objects.values_list("stars", "text")) == [(5, "Lovely teacher.")]
    assert _rating(teacher) == (1, 5)


def test_the_database_keeps_one_review_per_booking(student, teacher) -> None:
    booking = lesson(student, teacher)
    fields = {"booking": booking, "instructor": teacher, "author": student, "service_name": "Piano", "posted_at": NOW}
    Review.objects.create(stars=5, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(stars=1, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(booking=booking).update(stars=6)
    assert list(Review.objects.values_list("stars", flat=True)) == [5]


@pytest.mark.parametrize(
    ("stars", "text", "field"), [(0, "", "stars"), (6, "", "stars"), (True, "", "stars"), (4, "x" * 501, "text")]
)
def test_stars_and_text_are_validated(student, teacher, stars, text, field) -> None:
    booking = lesson(student, teacher)
    with pytest.raises(ValidationFailed) as refused:
        review_create(actor=student, booking_id=booking.pk, stars=stars, text=text, now=NOW)
    assert list(refused.value.fields) == [field]
    assert not Review.objects.exists()


def test_a_parent_reviews_their_childs_lesson(student, teacher) -> None:
    maya = LearnerFactory.create(parent=student, first_name="Maya")
    booking = lesson(student, teacher, learner=maya)
    review = review_create(actor=student, booking_id=booking.pk, stars=5, text="Maya loved it.", now=NOW)
    assert (review.author, review.learner_name) == (student, "Maya")


# --- editing ---------------------------------------------------------------------------------


def test_the_author_edits_for_48_hours(student, other_student, teacher) -> None:
    booking = lesson(student, teacher)
    review_create(actor=student, booking_id=booking.pk, stars=3, text="Good.", now=NOW)
    edited = review_edit(actor=student, booking_id=booking.pk, stars=5, text="Great, in fact.", now=NOW + 47 * HOUR)
    assert (edited.stars, edited.text, edited.edited_at, edited.posted_at) == (
        5,
        "Great, in fact.",
        NOW + 47 * HOUR,
        NOW,
    )
    assert _rating(teacher) == (1, 5)
    review_edit(actor=student, booking_id=booking.pk, stars=4, text="Exactly 48 hours.", now=NOW + 48 * HOUR)

    with refused(Conflict, "A review can be edited for 48 hours after posting; this one can't be now."):
        review_edit(actor=student, booking_id=booking.pk, stars=1, text="Too late", now=NOW + 48 * HOUR + HOUR)
    with pytest.raises(NotFound):
        review_edit(actor=other_student, booking_id=booking.pk, stars=1, text="", now=NOW + HOUR)
    with refused(PermissionDenied, "Only the review's author can edit it."):
        review_edit(actor=teacher.user, booking_id=booking.pk, stars=5, text="", now=NOW + HOUR)
    assert list(Review.objects.values_list("stars", "text", "edited_at")) == [(4, "Exactly 48 hours.", NOW + 48 * HOUR)]
    assert _rating(teacher) == (1, 4)


def test_editing_a_lesson_without_a_review_is_not_found(student, teacher) -> None:
    booking = lesson(student, teacher)
    with refused(NotFound, "This lesson has no review yet."):
        review_edit(actor=student, booking_id=booking.pk, stars=5, text="", now=NOW)
    assert not Review.objects.exists()


# --- replies ---------------------------------------------------------------------------------


def test_the_instructor_replies_once_and_the_student_is_told(student, other_student, teacher, staff) -> None:
    booking = lesson(student, teacher)
    review_create(actor=student, booking_id=booking.pk, stars=4, text="Good lesson.", now=NOW)
    with refused(PermissionDenied, "Only the instructor who taught the lesson can reply."):
        review_reply(actor=student, booking_id=booking.pk, text="Thanks me", now=NOW)
    with pytest.raises(NotFound):
        review_reply(actor=InstructorUserFactory.create(), booking_id=booking.pk, text="Hi", now=NOW)
    with pytest.raises(ValidationFailed) as empty:
        review_reply(actor=teacher.user, booking_id=booking.pk, text="   ", now=NOW)
    assert empty.value.fields == {"text": ["Write a few words."]}
    with pytest.raises(ValidationFailed):
        review_reply(actor=teacher.user, booking_id=booking.pk, text="y" * 501, now=NOW)
    assert Review.objects.get().replied_at is None

    review = review_reply(actor=teacher.user, booking_id=booking.pk, text="Thank you, Sam!", now=NOW + HOUR)
    assert (review.reply_text, review.replied_at, review.reply_flags) == ("Thank you, Sam!", NOW + HOUR, [])
    assert _notes(student, "review_reply") == [
        ("Ines Instructor replied to your review", f"/lessons/{booking.public_id}/review/")
    ]
    with refused(Conflict, "You already replied to this review."):
        review_reply(actor=teacher.user, booking_id=booking.pk, text="One more thing", now=NOW + 2 * HOUR)
    assert Review.objects.values_list("reply_text", "replied_at").get() == ("Thank you, Sam!", NOW + HOUR)
    assert len(_notes(student, "review_reply")) == 1


def test_no_reply_without_a_review_or_to_a_hidden_one(student, teacher, staff) -> None:
    booking = lesson(student, teacher)
    with refused(Conflict, "There is no review of this lesson to reply to yet."):
        review_reply(actor=teacher.user, booking_id=booking.pk, text="Thanks", now=NOW)
    review = review_create(actor=student, booking_id=booking.pk, stars=1, text="Awful.", now=NOW)
    review_hide(actor=staff, review_id=review.pk, reason="Written about another teacher", now=NOW + HOUR)
    with refused(Conflict, "This review is hidden by our team, so it can't be answered."):
        review_reply(actor=teacher.user, booking_id=booking.pk, text="That wasn't me", now=NOW + 2 * HOUR)
    assert Review.objects.get().replied_at is None
    assert not Notification.objects.filter(kind="review_reply").exists()


# --- the prompt when a lesson completes ------------------------------------------------------


def test_completing_a_lesson_asks_for_a_review(student, teacher, django_capture_on_commit_callbacks, mailoutbox):
    maya = LearnerFactory.create(parent=student, first_name="Maya")
    marked = lesson(student, teacher, status=BookingStatus.CONFIRMED)
    swept = lesson(student, teacher, status=BookingStatus.CONFIRMED, ended=3 * DAY, learner=maya)
    with django_capture_on_commit_callbacks(execute=True):
        booking_complete(actor=teacher.user, booking_id=marked.pk, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_completions(now=NOW) == 1  # the other lesson ended more than 24 hours ago
    asked = Notification.objects.filter(user=student, kind="review_request").order_by("id")
    assert [(n.subject, n.url, n.email_status) for n in asked] == [
        ("How was your lesson with Ines Instructor?", f"/lessons/{marked.public_id}/review/", "sent"),
        ("How was Maya's Piano lesson with Ines Instructor?", f"/lessons/{swept.public_id}/review/", "sent"),
    ]
    assert "You can write your review until Wed 30 Dec." in asked[0].body
    assert [m.subject for m in mailoutbox if "How was" in m.subject] == [
        "InstaInstru · How was your lesson with Ines Instructor?",
        "InstaInstru · How was Maya's Piano lesson with Ines Instructor?",
    ]


# --- a double submit on real PostgreSQL ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_make_one_review(student, teacher) -> None:
    booking = lesson(student, teacher)
    barrier, outcomes, lock = threading.Barrier(2), [], threading.Lock()

    def submit(stars: int) -> None:
        try:
            barrier.wait()
            review_create(actor=student, booking_id=booking.pk, stars=stars, text="", now=NOW)
            outcome = "created"
        except ApplicationError as exc:
            outcome = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=submit, args=(stars,)) for stars in (4, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "created"]
    assert Review.objects.count() == 1
    assert _rating(teacher) == (1, Review.objects.get().stars)
