"""What every route answers each persona: the authorization matrix's expectations.

Keys are API operation ids (from /api/v1/openapi.json) and page route names (namespace:name,
or the route pattern where a route has no name). The matrix test fails when a route exists
without a rule here, or a rule names a route that no longer exists.

An expectation is a status code, or LOGIN (302 to the login page), ADMIN_LOGIN (302 to the
admin's login, which sends on to allauth's) or TWO_FACTOR (302 to setting up TOTP). A rule
also names who is let in (its owners, or the role): they may change their own rows, anyone
else must change nothing, whatever status they get. Staff without two-factor are refused
everywhere outside the two-factor setup (403 on the API, TWO_FACTOR on pages), whatever the
rule says for the other personas.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from apps.accounts.models import User
from tests.authz.world import (
    ANONYMOUS,
    INSTRUCTOR,
    INSTRUCTORS,
    OTHER_INSTRUCTOR,
    OTHER_STUDENT,
    SIGNED_IN,
    STAFF,
    STUDENT,
    STUDENTS,
    World,
)

Expect = int | str
LOGIN = "login"
ADMIN_LOGIN = "admin_login"
TWO_FACTOR = "two_factor"
Body = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    expect: Mapping[str, Expect]  # every persona but staff without two-factor
    # Who is let in (and may write their own rows); everyone else must write nothing at all.
    allowed: frozenset[str]
    method: str = "GET"
    params: Mapping[str, str] = field(default_factory=dict)  # URL parameter → World.ids key
    query: Callable[[World], str] | None = None
    body: Body | None = None
    headers: Callable[[World], dict[str, str]] | None = None
    # Fields of the caller's own rows this route may legitimately change (see the
    # mass-assignment check in tests/authz/guard.py), as "model.field".
    changes: frozenset[str] = frozenset()
    # Reachable by staff without two-factor: the probes, allauth's login/logout/two-factor flows.
    before_two_factor: bool = False
    # Send the mass-assignment fields along (not to allauth, whose own fields include email).
    inject: bool = True
    # Personas who may see every planted marker here (staff, in the admin).
    sees_all: frozenset[str] = frozenset()
    # A page that also takes a POST (a form): what that POST answers. A page without one must
    # refuse POST (405), which the matrix checks.
    post: Rule | None = None

    def but(self, **expect: Expect) -> Rule:
        """The same rule with some personas' expectations replaced."""
        return replace(self, expect={**self.expect, **expect})


def _expect(ok: Mapping[str, Expect], rest: Expect, anonymous: Expect) -> dict[str, Expect]:
    return {ANONYMOUS: anonymous, **dict.fromkeys(SIGNED_IN, rest), **ok}


def _ok_for(personas: frozenset[str] | Mapping[str, Expect], ok: Expect) -> Mapping[str, Expect]:
    return personas if isinstance(personas, Mapping) else dict.fromkeys(sorted(personas), ok)


EVERYONE = SIGNED_IN | {ANONYMOUS}


def public(ok: Expect = 200, **kw: Any) -> Rule:
    return Rule(expect=_expect({}, ok, ok), allowed=EVERYONE, **kw)


def signed_in(ok: Expect = 200, *, anonymous: Expect = 401, **kw: Any) -> Rule:
    return Rule(expect=_expect({}, ok, anonymous), allowed=SIGNED_IN, **kw)


def role(
    personas: frozenset[str] | Mapping[str, Expect],
    ok: Expect = 200,
    *,
    wrong: Expect = 403,
    anonymous: Expect = 401,
    **kw: Any,
) -> Rule:
    """Only one role may call it; the other role gets `wrong`."""
    let_in = _ok_for(personas, ok)
    return Rule(expect=_expect(let_in, wrong, anonymous), allowed=frozenset(let_in), **kw)


def owned(
    owners: Mapping[str, Expect],
    *,
    role_of: frozenset[str] = SIGNED_IN,
    wrong_role: Expect = 404,
    anonymous: Expect = 401,
    **kw: Any,
) -> Rule:
    """Someone's object: its owners get their answer, the rest of the role 404 (someone
    else's object), the other role `wrong_role`."""
    expect = {ANONYMOUS: anonymous, **{p: (404 if p in role_of else wrong_role) for p in SIGNED_IN}, **owners}
    return Rule(expect=expect, allowed=frozenset(owners), **kw)


# Pages send anonymous visitors to the login page, and answer the wrong role 404 (pages
# never reveal what exists) unless a rule says otherwise.
def page_signed_in(ok: Expect = 200, **kw: Any) -> Rule:
    return signed_in(ok, anonymous=LOGIN, **kw)


def page_role(personas: frozenset[str] | Mapping[str, Expect], ok: Expect = 200, **kw: Any) -> Rule:
    return role(personas, ok, **{"wrong": 404, "anonymous": LOGIN, **kw})


def page_owned(owners: Mapping[str, Expect], **kw: Any) -> Rule:
    return owned(owners, anonymous=LOGIN, **kw)


# --- bodies ------------------------------------------------------------------------------------


def _day(world: World, days: int = 0) -> str:
    day = world.ids["day_off"]
    assert isinstance(day, dt.date)
    return (day + dt.timedelta(days=days)).isoformat()


def _open_start(world: World) -> str:
    """An open start with the student's instructor, a day after the booked lesson."""
    start = world.ids["free_start"]
    assert isinstance(start, dt.datetime)
    return start.isoformat()


OFFERING = {
    "service": "piano",
    "description": "Scales and songs.",
    "duration_options": [60],
    "age_groups": ["adults"],
    "skill_levels": ["beginner"],
    "rates": {"online": 7000, "studio": 9500, "travel": None},
}


def _lesson(world: World) -> dict[str, Any]:
    return {
        "instructor": world.ids["slug"], "service": "piano", "format": "studio", "duration_minutes": 60,
        "starts_at": _open_start(world),
    }  # fmt: skip


def _booking(world: World) -> dict[str, Any]:
    return {**_lesson(world), "payment_method_id": world.ids["card"]}


def _sheet(world: World) -> dict[str, Any]:
    """The booking sheet as the student's browser posts it."""
    return {
        "service": "piano", "format": "studio", "duration": 60, "start": _open_start(world),
        "payment_method": world.ids["card"], "idempotency_key": "matrix-sheet",
    }  # fmt: skip


BOOKING_MONEY = frozenset({"booking.status", "booking.payment_status"})
BOOKING = {"booking_id": "booking"}
SERIES = {"series_id": "series"}
SERIES_PAGE = {"public_id": "series"}
SERIES_ENDED = BOOKING_MONEY | {"series.status"}
SERIES_MOVED = BOOKING_MONEY | {"booking.starts_at"}


def _series(world: World) -> dict[str, Any]:
    """Two weeks from the free start (the world's series is two days later)."""
    return {**_booking(world), "weeks": 2}


def _series_change(world: World) -> dict[str, Any]:
    """From the series' first week on, an hour later the same weekday."""
    start = world.ids["free_start"]
    assert isinstance(start, dt.datetime)
    first = start.date() + dt.timedelta(days=2)
    return {"from_date": first.isoformat(), "weekday": first.weekday(), "local_time": "11:00"}


REVIEWED = {"booking_id": "reviewed_booking"}  # the student's past lesson, reviewed just now
TO_REVIEW = {"booking_id": "review_booking"}  # the student's past lesson waiting for a review
REVIEW_FORM = {"stars": 5, "text": "Lovely lesson."}
S_AND_I = {STUDENT: 200, INSTRUCTOR: 200}

THREAD = {"conversation_id": "conversation"}
PAGE_THREAD = {"public_id": "conversation"}


def _report(world: World) -> dict[str, Any]:
    # The instructor's message: the student may report it, the instructor (its sender) may not.
    return {"reason": "spam", "message_ids": [world.ids["their_message"]], "note": "Spam"}


def _waitlist_join(world: World) -> dict[str, Any]:
    """Early mornings next week: the teacher opens 09:00–17:00, so nothing is free then."""
    return {
        "instructor": world.ids["slug"], "service": "piano", "weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "06:00",
        "end": "07:00", "date_from": _day(world, -29), "date_to": _day(world, -22),
    }  # fmt: skip


def _waitlist_form(world: World) -> dict[str, Any]:
    """The same window from the join page's form (the matrix posts one value per field: Mondays)."""
    fields = {key: value for key, value in _waitlist_join(world).items() if key != "instructor"}
    return {**fields, "weekdays": 0}


API: dict[str, Rule] = {
    # messaging
    "apps_messaging_api_conversations": signed_in(),
    "apps_messaging_api_unread": signed_in(),
    "apps_messaging_api_ask": role(
        STUDENTS, 201, method="POST", body=lambda w: {"instructor": w.ids["slug"], "text": "Is Tuesday free?"}
    ),
    "apps_messaging_api_for_booking": owned(S_AND_I, method="POST", params=BOOKING),
    "apps_messaging_api_thread": owned(S_AND_I, params=THREAD),
    "apps_messaging_api_send": owned(
        {STUDENT: 201, INSTRUCTOR: 201}, method="POST", params=THREAD, body=lambda w: {"text": "See you then"}
    ),
    "apps_messaging_api_read": owned(S_AND_I, method="POST", params=THREAD),
    "apps_messaging_api_block": owned(S_AND_I, method="POST", params=THREAD),
    "apps_messaging_api_unblock": owned(S_AND_I, method="DELETE", params=THREAD),
    "apps_messaging_api_report": owned({STUDENT: 201, INSTRUCTOR: 422}, method="POST", params=THREAD, body=_report),
    # accounts
    "apps_accounts_api_me": signed_in(),
    "apps_accounts_api_me_update": signed_in(method="PATCH", body=lambda w: {"first_name": "Pat"}),
    "apps_accounts_api_learners": signed_in(),
    "apps_accounts_api_learner_add": role(
        STUDENTS, 201, method="POST", body=lambda w: {"first_name": "Ana", "age_group": "kids"}
    ),
    "apps_accounts_api_learner_remove": owned({STUDENT: 204}, method="DELETE", params={"learner_id": "learner"}),
    "apps_accounts_api_addresses": signed_in(),
    "apps_accounts_api_address_add": role(
        STUDENTS, 201, method="POST", body=lambda w: {"street": "3 New St", "neighborhood": "park-slope"}
    ),
    "apps_accounts_api_address_remove": owned({STUDENT: 204}, method="DELETE", params={"address_id": "address"}),
    # catalog and the public directory
    "apps_catalog_api_list_categories": public(),
    "apps_instructors_api_services": public(),
    "apps_instructors_api_kids_services": public(),
    "apps_instructors_api_instructors": public(),
    "apps_instructors_api_instructor": public(params={"instructor_id": "profile"}),
    "apps_availability_api_slots": public(params={"instructor_id": "profile"}),
    "apps_availability_api_next_available": public(params={"instructor_id": "profile"}),
    "apps_search_api_search": public(),
    # the instructor's own profile
    "apps_instructors_api_me": role(INSTRUCTORS),
    "apps_instructors_api_me_update": role(INSTRUCTORS, method="PATCH", body=lambda w: {"headline": "Patient teacher"}),
    "apps_instructors_api_my_offerings": role(INSTRUCTORS),
    "apps_instructors_api_offering_add": role(
        INSTRUCTORS, 201, method="POST", body=lambda w: {**OFFERING, "service": "violin"}
    ),
    "apps_instructors_api_offering_replace": owned(
        {INSTRUCTOR: 200},
        role_of=INSTRUCTORS,
        wrong_role=403,
        method="PUT",
        params={"offering_id": "offering"},
        body=lambda w: OFFERING,
    ),
    "apps_instructors_api_offering_remove": owned(
        {INSTRUCTOR: 204},
        role_of=INSTRUCTORS,
        wrong_role=403,
        method="DELETE",
        params={"offering_id": "spare_offering"},
    ),
    "apps_instructors_api_my_areas": role(INSTRUCTORS),
    "apps_instructors_api_my_areas_replace": role(
        INSTRUCTORS, method="PUT", body=lambda w: {"neighborhoods": ["park-slope", "gowanus"]}
    ),
    "apps_instructors_api_my_onboarding": role(INSTRUCTORS),
    "apps_instructors_api_go_live": role(INSTRUCTORS, method="POST"),
    # availability (the instructor's own)
    "apps_availability_api_week_get": role(INSTRUCTORS, wrong=404, params={"day": "day_off"}),
    "apps_availability_api_week_put": role(
        INSTRUCTORS,  # the same windows give both instructors' weeks the same ETag
        wrong=404,
        method="PUT",
        params={"day": "day_off"},
        body=lambda w: {"days": [{"date": _day(w), "windows": [{"start": "09:00", "end": "12:00"}]}]},
        headers=lambda w: {"If-Match": str(w.ids["week_etag"])},
    ),
    "apps_availability_api_week_copy": role(
        INSTRUCTORS, wrong=404, method="POST", params={"day": "day_off"}, body=lambda w: {"target": _day(w, 7)}
    ),
    "apps_availability_api_week_apply": role(
        INSTRUCTORS,
        wrong=404,
        method="POST",
        params={"day": "day_off"},
        body=lambda w: {"from": _day(w, 7), "to": _day(w, 13)},
    ),
    "apps_availability_api_week_bookings": role(INSTRUCTORS, wrong=404, params={"day": "day_off"}),
    "apps_availability_api_blackouts": role(INSTRUCTORS, wrong=404),
    "apps_availability_api_blackout_add": role(
        INSTRUCTORS, 201, wrong=404, method="POST", body=lambda w: {"date": _day(w, 1), "reason": "Recital"}
    ),
    "apps_availability_api_blackout_edit": owned(
        {INSTRUCTOR: 200}, method="PATCH", params={"blackout_id": "blackout"}, body=lambda w: {"reason": "Doctor"}
    ),
    "apps_availability_api_blackout_remove": owned(
        {INSTRUCTOR: 204}, method="DELETE", params={"blackout_id": "blackout"}
    ),
    # imported calendars (the add reads a .invalid address at once: it fails, and says so)
    "apps_availability_feeds_api_calendars": role(INSTRUCTORS, wrong=404),
    "apps_availability_feeds_api_calendar_add": role(
        INSTRUCTORS, 201, wrong=404, method="POST", body=lambda w: {"label": "Gym", "url": "https://gym.invalid/a.ics"}
    ),
    "apps_availability_feeds_api_calendar_refresh": owned(
        {INSTRUCTOR: 200}, method="POST", params={"feed_id": "imported_calendar"}
    ),
    "apps_availability_feeds_api_calendar_remove": owned(
        {INSTRUCTOR: 204}, method="DELETE", params={"feed_id": "imported_calendar"}
    ),
    # saved cards
    "apps_payments_api_cards": signed_in(),
    "apps_payments_api_card_add": role(
        STUDENTS, 201, method="POST", body=lambda w: {"card_number": "5555555555554444"}
    ),
    "apps_payments_api_card_default": owned(
        {STUDENT: 200}, method="POST", params={"payment_method_id": "card"}, changes=frozenset()
    ),
    "apps_payments_api_card_remove": owned({STUDENT: 204}, method="DELETE", params={"payment_method_id": "card"}),
    # The client secret for the provider's card form ("" with the local gateway).
    "apps_payments_api_card_setup": role(STUDENTS, method="POST"),
    # Public (Stripe has no session), but only a delivery signed with the webhook secret is
    # taken: this one is not (a forged signature), so 400 for everyone, and nothing is stored.
    "apps_payments_api_webhooks_stripe_webhook": public(
        400, method="POST", headers=lambda w: {"Stripe-Signature": "t=1,v1=forged"}
    ),
    # bookings: students book; the booking's two participants see it, nobody else
    "apps_bookings_api_preview": role(STUDENTS, method="POST", body=_lesson),
    # Paying with someone else's card is refused as "not one of your cards", the same answer
    # as for a card that does not exist.
    "apps_bookings_api_create": role({STUDENT: 201}, method="POST", body=_booking).but(other_student=422, staff=422),
    "apps_bookings_api_bookings": signed_in(),
    "apps_bookings_api_detail": owned(S_AND_I, params=BOOKING),
    "apps_bookings_api_change_card": owned(
        {STUDENT: 200}, method="POST", params=BOOKING, body=lambda w: {"payment_method_id": w.ids["card"]}
    ),
    "apps_bookings_api_policies_cancellation_preview": owned(S_AND_I, params=BOOKING),
    "apps_bookings_api_policies_cancel": owned(
        S_AND_I,
        method="POST",
        params=BOOKING,
        body=lambda w: {"reason": "Sick"},
        changes=BOOKING_MONEY,
    ),
    # Only the student moves a lesson; the instructor is told no (403), the rest 404.
    "apps_bookings_api_policies_reschedule_preview": owned({STUDENT: 200}, params=BOOKING).but(instructor=403),
    "apps_bookings_api_policies_reschedule": owned(
        {STUDENT: 200},
        method="POST",
        params=BOOKING,
        body=lambda w: {"starts_at": _open_start(w)},
        changes=BOOKING_MONEY | {"booking.starts_at"},
    ).but(instructor=403),
    "apps_bookings_api_policies_no_show_report_preview": owned({STUDENT: 409, INSTRUCTOR: 409}, params=BOOKING),
    "apps_bookings_api_policies_report_no_show": owned(
        {STUDENT: 409, INSTRUCTOR: 409}, method="POST", params=BOOKING, body=lambda w: {"note": "Nobody came"}
    ),
    "apps_bookings_api_policies_dispute_preview": owned({STUDENT: 409, INSTRUCTOR: 409}, params=BOOKING),
    "apps_bookings_api_policies_dispute": owned(
        {STUDENT: 409, INSTRUCTOR: 409}, method="POST", params=BOOKING, body=lambda w: {"reason": "I was there"}
    ),
    # weekly series: the student sets one up (from a slot or their lesson); both participants
    # see and may end it; only the student changes its time (the instructor 403).
    "apps_bookings_series_api_create": role({STUDENT: 201}, method="POST", body=_series).but(
        other_student=422, staff=422
    ),
    "apps_bookings_series_api_repeat": owned(
        {STUDENT: 201}, method="POST", params=BOOKING, body=lambda w: {"weeks": 2}
    ),
    "apps_bookings_series_api_my_series": signed_in(),
    "apps_bookings_series_api_detail": owned(S_AND_I, params=SERIES),
    "apps_bookings_series_api_change": owned(
        {STUDENT: 200}, method="POST", params=SERIES, body=_series_change, changes=SERIES_MOVED
    ).but(instructor=403),
    "apps_bookings_series_api_end": owned(S_AND_I, method="POST", params=SERIES, changes=SERIES_ENDED),
    # Only the instructor marks a lesson taught (not before it has ended: 409).
    "apps_bookings_api_policies_complete": owned({INSTRUCTOR: 409}, method="POST", params=BOOKING).but(student=403),
    # credits and earnings
    "apps_payments_api_ledgers_credits": signed_in(),
    "apps_referrals_api_my_referrals": signed_in(),
    # saved teachers and the waitlist: the caller's own rows, students only
    "apps_favorites_api_favorites": role(STUDENTS),
    "apps_favorites_api_favorite_save": role(STUDENTS, method="PUT", params={"instructor_id": "profile"}),
    "apps_favorites_api_favorite_unsave": role(STUDENTS, 204, method="DELETE", params={"instructor_id": "profile"}),
    "apps_waitlist_api_entries": role(STUDENTS),
    "apps_waitlist_api_join": role(STUDENTS, 201, method="POST", body=_waitlist_join),
    "apps_waitlist_api_cancel": owned({STUDENT: 204}, method="DELETE", params={"entry_id": "waitlist_entry"}),
    "apps_payments_api_ledgers_earnings": role(INSTRUCTORS),
    "apps_payments_api_ledgers_earnings_export": role(INSTRUCTORS),
    "apps_payments_api_ledgers_instant_payout": role({INSTRUCTOR: 409, OTHER_INSTRUCTOR: 409}, method="POST"),
    # media
    "apps_media_api_upload_begin": signed_in(201, method="POST", body=lambda w: {"kind": "picture"}),
    # No bytes were sent: the owner is told so (and the upload is dropped).
    "apps_media_api_upload_finish": owned({STUDENT: 422}, method="POST", params={"upload_id": "upload"}),
    "apps_media_api_upload_state": owned({STUDENT: 200}, params={"upload_id": "upload"}),
    "apps_media_api_my_picture": signed_in(404).but(student=200),  # the student has a picture
    "apps_media_api_my_picture_remove": signed_in(204, method="DELETE"),
    "apps_media_api_pictures": signed_in(query=lambda w: f"user_ids={w.users[INSTRUCTOR].pk}"),
    "apps_media_api_documents": role(INSTRUCTORS),
    # reviews: the booking's student writes (and edits) it, its instructor replies; the other
    # participant is told no (403), everyone else finds no such booking (404).
    "apps_reviews_api_instructor_reviews": public(params={"instructor_id": "profile"}),
    "apps_reviews_api_mine": signed_in(),
    "apps_reviews_api_booking_review": owned(S_AND_I, params=REVIEWED),
    "apps_reviews_api_create": owned({STUDENT: 201}, method="POST", params=TO_REVIEW, body=lambda w: REVIEW_FORM).but(
        instructor=403
    ),
    "apps_reviews_api_edit": owned(
        {STUDENT: 200}, method="PATCH", params=REVIEWED, body=lambda w: {"stars": 5, "text": "Even better now."}
    ).but(instructor=403),
    "apps_reviews_api_reply": owned(
        {INSTRUCTOR: 200}, method="POST", params=REVIEWED, body=lambda w: {"text": "Thank you, Sam!"}
    ).but(student=403),
    # Staff review documents (PRODUCT.md §9): the instructor and staff, nobody else.
    "apps_media_api_document": owned({INSTRUCTOR: 200, STAFF: 200}, params={"document_id": "document"}),
}


# --- pages -------------------------------------------------------------------------------------

LESSON = {"public_id": "booking"}
LESSON_REVIEWED = {"public_id": "reviewed_booking"}
LESSON_TO_REVIEW = {"public_id": "review_booking"}
PAYOUT_ACCOUNT = {"account_id": "payout_account"}
PROFILE_FORM = {"first_name": "Pat", "last_name": "Doe", "phone": "", "timezone": "America/New_York", "zip_code": ""}
ABOUT_FORM = {
    "display_name": "Ines I.", "headline": "Patient piano teacher", "years_experience": "6",
    "bio": "I have taught happy students across New York for years, from first scales to recitals.",
    "timezone": "America/New_York", "buffer_minutes": "15", "travel_buffer_minutes": "60",
}  # fmt: skip
SKILL_FORM = {
    "service": "cello", "description": "Bow and scales.", "duration_options": "60", "age_groups": "adults",
    "skill_levels": "beginner", "rates.studio": "95",
}  # fmt: skip

PAGES: dict[str, Rule] = {
    # messaging
    "messaging:inbox": page_signed_in(),
    "messaging:inbox_live": page_signed_in(),
    "messaging:thread": page_owned(S_AND_I, params=PAGE_THREAD),
    "messaging:poll": page_owned(S_AND_I, params=PAGE_THREAD),
    "messaging:send": page_owned(
        {STUDENT: 302, INSTRUCTOR: 302}, method="POST", params=PAGE_THREAD, body=lambda w: {"text": "Thanks!"}
    ),
    "messaging:block": page_owned({STUDENT: 302, INSTRUCTOR: 302}, method="POST", params=PAGE_THREAD),
    "messaging:report": page_owned(
        S_AND_I,
        params=PAGE_THREAD,
        post=page_owned(
            {STUDENT: 302, INSTRUCTOR: 422},
            method="POST",
            params=PAGE_THREAD,
            body=lambda w: {"reason": "spam", "messages": w.ids["their_message"]},
        ),
    ),
    "messaging:ask": page_role(
        {STUDENT: 302, OTHER_STUDENT: 200, STAFF: 200},
        params={"slug": "slug"},
        post=page_role(
            {STUDENT: 302, OTHER_STUDENT: 302, STAFF: 302},
            method="POST",
            params={"slug": "slug"},
            body=lambda w: {"text": "Do you teach jazz?"},
        ),
    ),
    "messaging:from_lesson": page_owned({STUDENT: 302, INSTRUCTOR: 302}, method="POST", params=LESSON),
    # These answer any method the same way (a POST is read as a GET; nothing acts on it).
    "home": public(post=public(method="POST")),
    "healthz": public(before_two_factor=True, post=public(method="POST", before_two_factor=True)),
    "readyz": public(before_two_factor=True, post=public(method="POST", before_two_factor=True)),
    "metrics": public(post=public(method="POST")),
    "api:openapi-json": public(),
    "api:openapi-view": public(),
    "api:api-root": public(404),
    # accounts
    "accounts:profile": page_signed_in(post=page_signed_in(302, method="POST", body=lambda w: PROFILE_FORM)),
    "accounts:learners": page_role(
        STUDENTS,
        post=page_role(STUDENTS, 302, method="POST", body=lambda w: {"first_name": "Ana", "age_group": "kids"}),
    ),
    "accounts:learner_remove": page_owned(
        {STUDENT: 302}, role_of=STUDENTS, method="POST", params={"learner_id": "learner"}
    ),
    "payments:cards": page_role(
        STUDENTS, post=page_role(STUDENTS, 302, method="POST", body=lambda w: {"card": "5555555555554444"})
    ),
    "payments:card_default": page_owned({STUDENT: 302}, method="POST", params={"payment_method_id": "card"}),
    "payments:card_remove": page_owned({STUDENT: 302}, method="POST", params={"payment_method_id": "card"}),
    "media:picture": page_signed_in(post=page_signed_in(422, method="POST")),  # no file sent
    "media:picture_remove": page_signed_in(302, method="POST"),
    "notifications:list": page_signed_in(),
    # referrals: anyone may open a share link; each signed-in user has their own page and QR code
    "referrals:landing": public(params={"code": "referral_code"}),
    "referrals:mine": page_signed_in(),
    "favorites:mine": page_role(STUDENTS),
    "favorites:toggle": page_role(
        STUDENTS,
        302,
        params={"slug": "slug"},
        post=page_role(STUDENTS, 302, method="POST", params={"slug": "slug"}, body=lambda w: {"action": "save"}),
    ),
    "waitlist:mine": page_role(STUDENTS),
    "waitlist:join": page_role(
        STUDENTS,
        params={"slug": "slug"},
        post=page_role(STUDENTS, 302, method="POST", params={"slug": "slug"}, body=_waitlist_form),
    ),
    "waitlist:cancel": page_owned({STUDENT: 302}, method="POST", params={"public_id": "waitlist_entry"}),
    "referrals:qr": page_signed_in(),
    "notifications:preferences": page_signed_in(post=page_signed_in(302, method="POST")),
    "ledgers:credits": page_signed_in(post=page_signed_in(method="POST")),
    # teaching
    "instructors_onboarding:about": page_role(
        INSTRUCTORS, post=page_role(INSTRUCTORS, 302, method="POST", body=lambda w: ABOUT_FORM)
    ),
    "instructors_onboarding:skills": page_role(
        INSTRUCTORS, post=page_role(INSTRUCTORS, 302, method="POST", body=lambda w: SKILL_FORM)
    ),
    "instructors_onboarding:service_areas": page_role(INSTRUCTORS, 302, method="POST"),
    "instructors_onboarding:offering_edit": page_owned(
        {INSTRUCTOR: 200},
        role_of=INSTRUCTORS,
        params={"offering_id": "offering"},
        post=page_owned(
            {INSTRUCTOR: 302},
            role_of=INSTRUCTORS,
            method="POST",
            params={"offering_id": "offering"},
            body=lambda w: {**SKILL_FORM, "service": "piano"},
        ),
    ),
    "instructors_onboarding:offering_delete": page_owned(
        {INSTRUCTOR: 302}, role_of=INSTRUCTORS, method="POST", params={"offering_id": "spare_offering"}
    ),
    "instructors_onboarding:verification": page_role(INSTRUCTORS),
    # Off to the provider and back: each answers a redirect (the local gateway has no identity
    # check and the instructors are verified already; their payout accounts are connected).
    "instructors_onboarding:identity_start": page_role(INSTRUCTORS, 302, method="POST"),
    "instructors_onboarding:identity_return": page_role(INSTRUCTORS, 302),
    "instructors_onboarding:payouts": page_role(INSTRUCTORS),
    "instructors_onboarding:payouts_start": page_role(
        INSTRUCTORS, 302, post=page_role(INSTRUCTORS, 302, method="POST")
    ),
    "instructors_onboarding:payouts_return": page_role(INSTRUCTORS, 302),
    "instructors_onboarding:payouts_dashboard": page_role(INSTRUCTORS, 302, method="POST"),
    # The local gateway's stand-in for the provider's form, for the instructor's own account.
    "instructors_onboarding:payouts_local": page_owned(
        {INSTRUCTOR: 200},
        role_of=INSTRUCTORS,
        params=PAYOUT_ACCOUNT,
        post=page_owned({INSTRUCTOR: 302}, role_of=INSTRUCTORS, method="POST", params=PAYOUT_ACCOUNT),
    ),
    "instructors_onboarding:go_live": page_role(INSTRUCTORS, post=page_role(INSTRUCTORS, 302, method="POST")),
    "instructors_onboarding:status": page_role(INSTRUCTORS),
    "instructors_onboarding:dashboard": page_role(INSTRUCTORS),
    "media:documents": page_role(INSTRUCTORS, post=page_role(INSTRUCTORS, 422, method="POST")),  # no file sent
    "media:document_open": page_owned({INSTRUCTOR: 302, STAFF: 302}, params={"document_id": "document"}),
    "availability:editor": page_role(INSTRUCTORS),
    "availability:blackout_add": page_role(
        INSTRUCTORS, 302, method="POST", body=lambda w: {"date": _day(w, 2), "reason": "Recital"}
    ),
    "availability:blackout_remove": page_owned(
        {INSTRUCTOR: 302}, role_of=INSTRUCTORS, method="POST", params={"blackout_id": "blackout"}
    ),
    "availability:calendars": page_role(INSTRUCTORS),
    "availability:calendar_add": page_role(
        INSTRUCTORS, 302, method="POST", body=lambda w: {"label": "Gym", "url": "https://gym.invalid/a.ics"}
    ),
    "availability:calendar_refresh": page_owned(
        {INSTRUCTOR: 302}, role_of=INSTRUCTORS, method="POST", params={"feed_id": "imported_calendar"}
    ),
    "availability:calendar_remove": page_owned(
        {INSTRUCTOR: 302}, role_of=INSTRUCTORS, method="POST", params={"feed_id": "imported_calendar"}
    ),
    "ledgers:earnings": page_role(INSTRUCTORS, wrong=403, post=page_role(INSTRUCTORS, wrong=403, method="POST")),
    "ledgers:earnings_csv": page_role(
        INSTRUCTORS,
        wrong=403,
        post=page_role(INSTRUCTORS, wrong=403, method="POST"),  # read as a GET
    ),
    # Refusals come back to the earnings page as a message.
    "ledgers:instant_payout": page_role(INSTRUCTORS, 302, wrong=302, method="POST"),
    # public pages
    "instructors_public:category": public(params={"category_slug": "category"}),
    "instructors_public:service": public(params={"category_slug": "category", "service_slug": "service"}),
    "instructors_public:kids": public(),
    "instructors_public:kids_service": public(params={"service_slug": "service"}),
    "instructors_public:profile": public(params={"slug": "slug"}),
    "availability:slot_picker": public(params={"slug": "slug"}),
    "search:results": public(),
    # lessons
    "bookings:book": page_role(
        STUDENTS,
        wrong=403,
        params={"slug": "slug"},
        # Other students name a card that is not theirs: refused like a card that does not exist.
        post=page_role(
            {STUDENT: 302, OTHER_STUDENT: 422, STAFF: 422},
            wrong=403,
            method="POST",
            params={"slug": "slug"},
            body=_sheet,
            changes=BOOKING_MONEY,
        ),
    ),
    "bookings:lessons": page_role(STUDENTS, wrong=302),
    "bookings:schedule": page_role(INSTRUCTORS, wrong=302),
    "bookings:detail": page_owned({STUDENT: 200, INSTRUCTOR: 200}, params=LESSON),
    "bookings:detail_card": page_owned(
        {STUDENT: 302}, method="POST", params=LESSON, body=lambda w: {"payment_method": w.ids["card"]}
    ),
    "bookings:detail_card_add": page_owned(
        {STUDENT: 302}, method="POST", params=LESSON, body=lambda w: {"new_card-card": "5555555555554444"}
    ),
    "bookings:actions": page_owned({STUDENT: 200, INSTRUCTOR: 200}, params=LESSON),
    "bookings:repeat": page_owned(
        {STUDENT: 200},
        params=LESSON,
        post=page_owned(
            {STUDENT: 302}, method="POST", params=LESSON, body=lambda w: {"weeks": "2", "idempotency_key": "m-repeat"}
        ),
    ),
    "bookings:series": page_owned(S_AND_I, params=SERIES_PAGE),
    "bookings:series_end": page_owned(
        {STUDENT: 302, INSTRUCTOR: 302},
        method="POST",
        params=SERIES_PAGE,
        body=lambda w: {"idempotency_key": "m-end"},
        changes=SERIES_ENDED,
    ),
    "bookings:series_change": page_owned(
        {STUDENT: 302},
        method="POST",
        params=SERIES_PAGE,
        body=lambda w: {**_series_change(w), "idempotency_key": "m-change"},
        changes=SERIES_MOVED,
    ).but(instructor=403),
    "bookings:cancel": page_owned(
        {STUDENT: 200, INSTRUCTOR: 200},
        params=LESSON,
        post=page_owned(
            {STUDENT: 302, INSTRUCTOR: 302},
            method="POST",
            params=LESSON,
            body=lambda w: {"text": "Sick"},
            changes=BOOKING_MONEY,
        ),
    ),
    "bookings:reschedule": page_owned(
        {STUDENT: 200},
        params=LESSON,
        post=page_owned(
            {STUDENT: 302},
            method="POST",
            params=LESSON,
            body=lambda w: {"starts_at": _open_start(w)},
            changes=BOOKING_MONEY | {"booking.starts_at"},
        ).but(instructor=403),
    ).but(instructor=403),
    "bookings:no_show": page_owned(
        {STUDENT: 409, INSTRUCTOR: 409},
        params=LESSON,
        post=page_owned({STUDENT: 409, INSTRUCTOR: 409}, method="POST", params=LESSON, body=lambda w: {"text": "x"}),
    ),
    "bookings:dispute": page_owned(
        {STUDENT: 409, INSTRUCTOR: 409},
        params=LESSON,
        post=page_owned({STUDENT: 409, INSTRUCTOR: 409}, method="POST", params=LESSON, body=lambda w: {"text": "x"}),
    ),
    "bookings:complete": page_owned(
        {INSTRUCTOR: 409},
        params=LESSON,
        post=page_owned({INSTRUCTOR: 409}, method="POST", params=LESSON).but(student=403),
    ).but(student=403),
    "bookings:calendar": page_owned({STUDENT: 200, INSTRUCTOR: 200}, params=LESSON),
    # The bank's confirmation step is the student's; this lesson has nothing to confirm, so
    # the student is sent back to the lesson with a message.
    "bookings:confirm_payment": page_owned(
        {STUDENT: 302}, params=LESSON, post=page_owned({STUDENT: 302}, method="POST", params=LESSON)
    ),
    "bookings:feed_reset": page_signed_in(302, method="POST"),
    # reviews (see the API's)
    "reviews:lesson": page_owned(
        S_AND_I,
        params=LESSON_REVIEWED,
        post=page_owned({STUDENT: 302}, method="POST", params=LESSON_TO_REVIEW, body=lambda w: REVIEW_FORM).but(
            instructor=403
        ),
    ),
    "reviews:reply": page_owned(
        {INSTRUCTOR: 302}, method="POST", params=LESSON_REVIEWED, body=lambda w: {"text": "Thank you, Sam!"}
    ).but(student=403),
    "reviews:mine": page_signed_in(),
    "reviews:instructor": public(params={"slug": "slug"}),
    # A capability URL: whoever holds the token gets the student's feed (calendar apps have
    # no session). The probe uses the student's real token, so the student's lessons show.
    "bookings:feed": public(params={"token": "feed_token"}, sees_all=frozenset(SIGNED_IN | {ANONYMOUS})),
    # Signed links: the document link is bound to the instructor who asked for it.
    "media:file": page_owned({INSTRUCTOR: 200}, params={"token": "document_token"}).but(**{ANONYMOUS: 404}),
    # A link made for viewing does not upload.
    "media:upload": public(404, method="PUT", params={"token": "document_token"}),
}


# --- allauth's pages and headless API ------------------------------------------------------------


def each(anonymous: Expect, signed_in_: Expect, **kw: Any) -> Rule:
    """The same answer for every signed-in persona; whoever gets a success is let in."""
    expect = _expect({}, signed_in_, anonymous)
    return Rule(expect=expect, allowed=frozenset(p for p, e in expect.items() if isinstance(e, int) and e < 400), **kw)


KEYS = {"key": "bogus_key", "uidb36": "bogus_uid"}
SETUP = {"before_two_factor": True}  # allauth's login, logout and two-factor flows
ALLAUTH = {"before_two_factor": True, "inject": False}

PAGES |= {
    "account_login": each(200, 302),
    "account_logout": each(302, 200, **SETUP),
    "account_inactive": each(200, 200),
    "account_signup": each(200, 302),
    "account_reauthenticate": each(LOGIN, 200, **SETUP),
    "account_email": each(LOGIN, 200),
    "account_email_verification_sent": each(200, 200),
    "account_change_password": each(LOGIN, 200),
    "account_set_password": each(LOGIN, 302),
    "account_reset_password": each(200, 200),
    "account_confirm_login_code": each(302, 302),
    "account_confirm_email": each(200, 200, params={"key": "bogus_key"}),
    "account_reset_password_from_key_done": each(200, 200),
    "account_reset_password_from_key": each(200, 200, params=KEYS),
    "account_reset_password_done": each(200, 200),
    "mfa_index": each(LOGIN, 200, **SETUP),
    "mfa_authenticate": each(302, 302, **SETUP),
    "mfa_reauthenticate": each(LOGIN, 302, **SETUP).but(staff=200),  # only with a second factor
    "mfa_activate_totp": each(LOGIN, 302, **SETUP),
    # Turning TOTP off asks for the password again; there is nothing to turn off without it.
    "mfa_deactivate_totp": each(LOGIN, 404, **SETUP).but(staff=302),
    "mfa_view_recovery_codes": each(LOGIN, 404, **SETUP),
    "mfa_generate_recovery_codes": each(LOGIN, 302, **SETUP),
    "mfa_download_recovery_codes": each(LOGIN, 404, **SETUP),
    "headless:openapi_yaml": public(),
    "headless:openapi_json": public(),
    "headless:openapi_html": public(),
}

# The same endpoints for browser clients (session cookie) and app clients (X-Session-Token).
_HEADLESS: dict[str, Rule] = {
    "config": each(200, 200, **ALLAUTH),
    "account:current_session": each(401, 200, **ALLAUTH),
    "account:reauthenticate": each(401, 400, method="POST", **ALLAUTH),
    "account:confirm_login_code": each(409, 409, method="POST", **ALLAUTH),
    "account:request_password_reset": each(400, 400, method="POST", **ALLAUTH),
    "account:reset_password": each(400, 400, method="POST", **ALLAUTH),
    "account:login": each(400, 400, method="POST", **ALLAUTH),
    "account:signup": each(400, 400, method="POST", **ALLAUTH),
    "account:verify_email": each(400, 400, method="POST", **ALLAUTH),
    "account:resend_email_verification_code": each(409, 409, method="POST", **ALLAUTH),
    "account:change_password": each(401, 400, method="POST", inject=False),
    "account:manage_email": each(401, 200, inject=False),
    "mfa:authenticate": each(401, 401, method="POST", **ALLAUTH),  # no login waiting for it
    "mfa:reauthenticate": each(401, 400, method="POST", **ALLAUTH),
    "mfa:authenticators": each(401, 200, **ALLAUTH),
    "mfa:manage_totp": each(401, 404, **ALLAUTH).but(staff=200),
    "mfa:manage_recovery_codes": each(401, 404, **ALLAUTH),
}
PAGES |= {f"headless:{client}:{name}": rule for client in ("browser", "app") for name, rule in _HEADLESS.items()}
PAGES["headless:app:tokens:refresh"] = each(400, 400, method="POST", **ALLAUTH)


# --- the admin -----------------------------------------------------------------------------------

# What staff (with two-factor) get from each kind of admin route, first match wins; everyone
# else is sent to the admin's login (which sends on to allauth's). Staff see everything there.
# Read-only records (availability, documents and their reviews, pictures, the one config row,
# lesson reviews and their moderation trail, the audit trail, bookings and their money:
# services write them; referrals: changed only through the reward actions; message reports
# and who viewed them) cannot be added or deleted by hand: 403.
_READ_ONLY = (
    r"^admin/(availability/\w+|media/\w+|core/platformconfig|audit/\w+|bookings/\w+|payments/\w+|reviews/\w+"
    r"|referrals/\w+|messaging/\w+)/"
)
_ADMIN_STAFF = (
    (r"^admin/$", 200),
    (r"^admin/login/$", 302),
    (r"^admin/password_change/(done/)?$", 200),
    (r"^admin/autocomplete/$", 403),
    (r"^admin/jsi18n/$", 200),
    (r"^admin/r/", 404),
    (r"^admin/\^\(\?P<app_label>", 200),
    (r"^admin/\(\?P<url>", 404),
    (_READ_ONLY + r"add/$", 403),
    (
        r"^admin/(availability/\w+|media/(backgroundcheck\w+|profilepicture)|core/platformconfig|audit/\w+|bookings/\w+"
        r"|payments/\w+|reviews/\w+|referrals/\w+|messaging/\w+)/<path:object_id>/delete/$",
        403,
    ),
    (r"/add/$", 200),
    (r"/<path:object_id>/(change|history|delete)/$", 200),
    (r"/<id>/password/$", 200),
    (r"/<path:object_id>/$", 302),
    (r"^admin/\w+/\w+/$", 200),
)
_STAFF_ONLY = frozenset({STAFF})


def admin_rule(route: str) -> Rule:
    if route == "admin/login/":
        # The admin's own form is replaced by allauth's login (instainstru/urls.py); signed in
        # without staff rights, it says so.
        return Rule(expect=_expect({STAFF: 302}, 200, LOGIN), allowed=_STAFF_ONLY)
    if route == "admin/logout/":
        # Logging out is a POST; a GET is sent back to the admin's front page.
        return Rule(expect=_expect({STAFF: 405}, 302, 302), allowed=_STAFF_ONLY)
    staff = next(status for pattern, status in _ADMIN_STAFF if re.search(pattern, route))
    return Rule(expect=_expect({STAFF: staff}, ADMIN_LOGIN, ADMIN_LOGIN), allowed=_STAFF_ONLY, sees_all=_STAFF_ONLY)


def admin_params(route: str) -> dict[str, object]:
    """A real row for the admin's object pages, and values for its other parameters."""
    some_user = User.objects.order_by("pk").values_list("pk", flat=True)[0]
    params: dict[str, object] = {
        "app_label": "accounts", "url": "no-such-page/", "id": some_user, "object_id": some_user,
        "content_type_id": ContentType.objects.get_for_model(User).pk,
    }  # fmt: skip
    model_part = re.match(r"admin/(\w+)/(\w+)/<path:object_id>/", route)
    if model_part is not None:
        model = apps.get_model(model_part.group(1), model_part.group(2))
        params["object_id"] = model._default_manager.order_by("pk").values_list("pk", flat=True)[0]
    return params
