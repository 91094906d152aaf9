"""Automatic flags (very short, repeated characters, links, phone numbers or emails,
profanity) and staff moderation in the admin: hide and restore with a reason, keep a flagged
review; every action recorded with who, when, why and the review before and after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from apps.core.errors import Conflict, PermissionDenied, ValidationFailed
from apps.reviews.models import InstructorRating, Review, ReviewModerationEvent
from apps.reviews.moderation import text_flags
from apps.reviews.services import (
    review_create,
    review_edit,
    review_flags_clear,
    review_hide,
    review_reply,
    review_restore,
)
from apps.reviews.tests.conftest import NOW, lesson
from apps.reviews.tests.helpers import refused, reviewed

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)
CHANGELIST = "/admin/reviews/review/"


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("", []),
        ("   ", []),
        ("Great!", ["short"]),
        ("ok", ["short"]),
        ("Sooooo good, my son loves it", ["repeated"]),
        ("Best teacher ever!!!!!", ["repeated"]),
        ("Book her on www.anapiano.example instead", ["link"]),
        ("Details at https://example.org/lessons", ["link"]),
        ("Find her at anapiano.com for cheaper lessons", ["link"]),
        ("Text me at 917-555-0134 to share lessons", ["contact"]),
        ("Call (917) 555 0134 or +1 917.555.0134", ["contact"]),
        ("Write to ana.piano@gmail.com for lessons", ["contact"]),
        ("What a shitty lesson, total waste of time", ["profanity"]),
        ("The f*ck was that? Not a good lesson", ["profanity"]),
        ("Fucking brilliant teacher", ["profanity"]),
        ("wtf!!!!!", ["short", "repeated", "profanity"]),
        # Whole words only: nothing here is rude, linked or a phone number.
        ("A classic class with an assistant; Scunthorpe cocktail", []),
        ("Maya went from 0 to 60 in ten weeks, e.g. scales at 120 bpm", []),
        ("Lessons at 4:30 pm, 12/12/2026, $80/h", []),
    ],
)
def test_automatic_flags(text: str, flags: list[str]) -> None:
    assert text_flags(text) == flags


def test_a_reply_is_never_too_short_but_is_checked_otherwise() -> None:
    assert text_flags("Thanks!", reply=True) == []
    assert text_flags("Call me: 917 555 0134", reply=True) == ["contact"]


def _events(review: Review) -> list[tuple[str, int | None, str]]:
    return list(ReviewModerationEvent.objects.filter(review=review).values_list("action", "actor_id", "reason"))


def test_a_flagged_review_stays_visible_and_waits_for_staff(student, teacher) -> None:
    booking = lesson(student, teacher)
    review = review_create(actor=student, booking_id=booking.pk, stars=5, text="Text me 917-555-0134", now=NOW)
    review.refresh_from_db()
    assert (review.status, review.flags, review.flagged_at, review.needs_moderation) == (
        "visible", ["contact"], NOW, True
    )  # fmt: skip
    event = ReviewModerationEvent.objects.get(review=review)
    assert (event.action, event.actor, event.reason, event.at) == ("flagged", None, "contact", NOW)
    assert event.before == {}
    assert event.after == {
        "status": "visible", "stars": 5, "text": "Text me 917-555-0134", "flags": ["contact"], "reply_text": "",
        "reply_flags": [],
    }  # fmt: skip
    assert InstructorRating.objects.get(instructor=teacher).review_count == 1


def test_a_clean_review_is_not_flagged_and_a_flagged_reply_is(student, teacher) -> None:
    booking = lesson(student, teacher)
    review = review_create(actor=student, booking_id=booking.pk, stars=4, text="Calm and encouraging.", now=NOW)
    assert (review.flags, review.flagged_at, _events(review)) == ([], None, [])
    review = review_reply(actor=teacher.user, booking_id=booking.pk, text="Book me at anapiano.com", now=NOW + HOUR)
    assert (review.reply_flags, review.flagged_at, review.needs_moderation) == (["link"], NOW + HOUR, True)
    assert _events(review) == [("flagged", None, "link")]


def test_staff_hide_and_restore_with_a_reason_and_the_average_follows(student, teacher, staff) -> None:
    kept = reviewed(teacher, [5, 5], now=NOW)
    booking = lesson(student, teacher)
    low = review_create(actor=student, booking_id=booking.pk, stars=1, text="He never showed up!!!!!", now=NOW)
    assert InstructorRating.objects.get(instructor=teacher).stars_total == 11

    hidden = review_hide(
        actor=staff, review_id=low.pk, reason="The lesson took place (no-show rejected)", now=NOW + HOUR
    )
    assert (hidden.status, hidden.moderated_at, hidden.moderation_reason, hidden.needs_moderation) == (
        "hidden", NOW + HOUR, "The lesson took place (no-show rejected)", False
    )  # fmt: skip
    row = InstructorRating.objects.get(instructor=teacher)
    assert (row.review_count, row.stars_total, row.stars_1) == (2, 10, 0)

    restored = review_restore(actor=staff, review_id=low.pk, reason="Appeal accepted", now=NOW + 2 * HOUR)
    assert restored.status == "visible"
    row.refresh_from_db()
    assert (row.review_count, row.stars_total, row.stars_1) == (3, 11, 1)
    events = list(ReviewModerationEvent.objects.filter(review=low))
    assert [(e.action, e.actor, e.reason, e.at) for e in events] == [
        ("flagged", None, "repeated", NOW),
        ("hidden", staff, "The lesson took place (no-show rejected)", NOW + HOUR),
        ("restored", staff, "Appeal accepted", NOW + 2 * HOUR),
    ]
    assert (events[1].before["status"], events[1].after["status"]) == ("visible", "hidden")
    assert (events[2].before["status"], events[2].after["status"]) == ("hidden", "visible")
    assert all(r.status == "visible" for r in Review.objects.filter(pk__in=[r.pk for r in kept]))


def test_moderation_refusals_change_nothing(student, teacher, staff) -> None:
    booking = lesson(student, teacher)
    review = review_create(actor=student, booking_id=booking.pk, stars=2, text="Fine, a decent lesson.", now=NOW)
    with refused(PermissionDenied, "Only staff moderate reviews."):
        review_hide(actor=teacher.user, review_id=review.pk, reason="I don't like it", now=NOW)
    with refused(ValidationFailed, "Give a reason."):
        review_hide(actor=staff, review_id=review.pk, reason="   ", now=NOW)
    with refused(Conflict, "This review is already visible."):
        review_restore(actor=staff, review_id=review.pk, reason="Nothing to restore", now=NOW)
    with refused(Conflict, "This review isn't waiting for a check."):
        review_flags_clear(actor=staff, review_id=review.pk, reason="", now=NOW)
    review.refresh_from_db()
    assert (review.status, review.moderated_at) == ("visible", None)
    assert _events(review) == []
    assert InstructorRating.objects.get(instructor=teacher).stars_total == 2


def test_keeping_a_flagged_review_clears_it_until_an_edit_flags_it_again(student, teacher, staff) -> None:
    booking = lesson(student, teacher)
    review = review_create(actor=student, booking_id=booking.pk, stars=5, text="Amazing!!!!!", now=NOW)
    kept = review_flags_clear(actor=staff, review_id=review.pk, reason="Just enthusiasm", now=NOW + HOUR)
    assert (kept.status, kept.needs_moderation) == ("visible", False)
    edited = review_edit(
        actor=student, booking_id=booking.pk, stars=5, text="Amazing. Email me: sam@example.com", now=NOW + 2 * HOUR
    )
    assert (edited.flags, edited.flagged_at, edited.needs_moderation) == (["contact"], NOW + 2 * HOUR, True)
    assert _events(review) == [
        ("flagged", None, "repeated"), ("cleared", staff.pk, "Just enthusiasm"), ("flagged", None, "contact"),
    ]  # fmt: skip


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def moderator(staff):
    """Staff with two-factor on, as the site requires before the admin."""
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return staff


def test_staff_hide_a_review_in_the_admin_queue_with_a_reason(client, student, teacher, moderator) -> None:
    reviewed(teacher, [5], now=NOW, text="Clear, kind and well prepared.")
    booking = lesson(student, teacher)
    flagged = review_create(actor=student, booking_id=booking.pk, stars=1, text="Call 917 555 0134 instead", now=NOW)
    client.force_login(moderator)
    queue = client.get(CHANGELIST, {"queue": "flagged"})
    assert queue.status_code == 200
    assert list(queue.context["cl"].result_list) == [flagged]

    asked = client.post(CHANGELIST, {"action": "hide", "index": "0", ACTION_CHECKBOX_NAME: [flagged.pk]})
    assert asked.status_code == 200
    assert b"Reason (kept with the review)" in asked.content
    blank = client.post(CHANGELIST, {"action": "hide", ACTION_CHECKBOX_NAME: [flagged.pk], "apply": "1", "reason": " "})
    assert blank.context["form"].errors == {"reason": ["This field is required."]}
    flagged.refresh_from_db()
    assert flagged.status == "visible"

    done = client.post(
        CHANGELIST,
        {"action": "hide", ACTION_CHECKBOX_NAME: [flagged.pk], "apply": "1", "reason": "Shares a phone number"},
        follow=True,
    )
    assert [str(m) for m in done.context["messages"]] == ["Hide reviews: 1 done."]
    flagged.refresh_from_db()
    assert (flagged.status, flagged.moderation_reason) == ("hidden", "Shares a phone number")
    assert _events(flagged)[-1] == ("hidden", moderator.pk, "Shares a phone number")
    assert list(client.get(CHANGELIST, {"queue": "flagged"}).context["cl"].result_list) == []
    assert InstructorRating.objects.get(instructor=teacher).review_count == 1
    page = client.get(f"/admin/reviews/review/{flagged.pk}/change/")
    assert page.status_code == 200
    assert b"Shares a phone number" in page.content
    assert client.post(f"/admin/reviews/review/{flagged.pk}/delete/").status_code == 403
    assert Review.objects.filter(pk=flagged.pk).exists()


def test_only_staff_reach_the_moderation_admin(client, student, teacher) -> None:
    client.force_login(teacher.user)
    assert client.get(CHANGELIST).status_code == 302  # to the login page
