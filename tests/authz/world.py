"""The world every route is probed in: seven personas and the objects that make "mine" and
"someone else's" concrete. Built once per test module; each test runs in a savepoint.

Private text is planted in the objects (markers): a response may only contain a marker if its
persona may see that object, which catches a listing or page that leaks someone else's data
even when its status code is right."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import address_create, learner_create
from apps.accounts.tests.factories import InstructorUserFactory, StaffFactory, StudentFactory
from apps.availability.feeds.services import imported_calendar_add
from apps.availability.models import BlackoutDate, ImportedCalendar
from apps.availability.selectors import availability_week_get
from apps.availability.services import blackout_create
from apps.bookings.calendar import calendar_feed_get
from apps.bookings.models import Booking, BookingSeries, Settlement
from apps.bookings.series.services import booking_series_create
from apps.bookings.services import BookingRequest, booking_create
from apps.bookings.states import BookingStatus, PaymentStatus, SettlementReason, SettlementStatus
from apps.bookings.tests.conftest import open_days
from apps.bookings.tests.factories import make_booking
from apps.catalog.models import Service
from apps.core.models import PlatformConfig
from apps.favorites.models import Favorite
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import OfferingFactory, add_area, live_instructor
from apps.media.models import BackgroundCheckDocument, ProfilePicture
from apps.media.selectors import document_view_url
from apps.media.services.documents import document_submit
from apps.media.services.uploads import upload_start
from apps.media.states import UploadKind
from apps.media.tests import corpus
from apps.messaging.models import Message
from apps.messaging.services import conversation_start, message_send, report_create, report_view_record
from apps.payments.credits import credit_grant
from apps.payments.models import Earning, Payout, StudentLock
from apps.payments.payout_accounts import payout_account_get, payout_account_local_complete, payout_account_start
from apps.payments.services import payment_method_add
from apps.payments.states import EarningKind, PayoutKind, PayoutStatus
from apps.referrals.models import Referral, ReferralDevice, Reward, RewardEvent
from apps.referrals.services import referral_code_get
from apps.reviews.services import review_create, review_hide
from apps.search.models import Neighborhood
from apps.waitlist.models import WaitlistEntry

ANONYMOUS = "anonymous"
STUDENT = "student"
OTHER_STUDENT = "other_student"
INSTRUCTOR = "instructor"
OTHER_INSTRUCTOR = "other_instructor"
STAFF = "staff"  # with TOTP two-factor
STAFF_NO_2FA = "staff_no_2fa"
PERSONAS = (ANONYMOUS, STUDENT, OTHER_STUDENT, INSTRUCTOR, OTHER_INSTRUCTOR, STAFF, STAFF_NO_2FA)
SIGNED_IN = frozenset({STUDENT, OTHER_STUDENT, INSTRUCTOR, OTHER_INSTRUCTOR, STAFF})
# Staff accounts carry the student role (staff is additive, PRODUCT.md §1).
STUDENTS = frozenset({STUDENT, OTHER_STUDENT, STAFF})
INSTRUCTORS = frozenset({INSTRUCTOR, OTHER_INSTRUCTOR})
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@dataclass
class World:
    users: dict[str, User]
    # Each persona's session key: sent as the session cookie (pages, admin) or, since allauth's
    # app tokens are session keys, as X-Session-Token (API).
    sessions: dict[str, str]
    # What routes are called with: the student's and the instructor's objects (someone else's
    # for everyone else), and values for the other URL parameters.
    ids: dict[str, object]
    # Private text → the personas who may see it.
    markers: dict[str, frozenset[str]]

    def user(self, persona: str) -> User | None:
        return self.users.get(persona)


def _lesson_start(days_ahead: int) -> dt.datetime:
    day = timezone.now().astimezone(NEW_YORK).date() + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=NEW_YORK)


def _teacher(user: User, *, slug: str, studio: str, neighborhood: Neighborhood) -> InstructorProfile:
    profile = live_instructor(user=user, slug=slug, studio_neighborhood=neighborhood, studio_address=studio)
    OfferingFactory.create(
        profile=profile, service=Service.objects.get(slug="piano"), rate_online_cents=6000, rate_studio_cents=9000,
        rate_travel_cents=12000, duration_options=[30, 60, 90], ages=["adults", "kids"],
    )  # fmt: skip
    add_area(profile, neighborhood=neighborhood)
    open_days(profile, timezone.now().astimezone(NEW_YORK).date(), 21)
    return profile


def _book(student: User, profile: InstructorProfile, card_id: int, days_ahead: int) -> Booking:
    request = BookingRequest(
        instructor=profile.slug, service="piano", format="studio", duration_minutes=60,
        starts_at=_lesson_start(days_ahead), payment_method_id=card_id,
    )  # fmt: skip
    return booking_create(actor=student, request=request, now=timezone.now())


def _weekly(student: User, profile: InstructorProfile, card_id: int, days_ahead: int) -> BookingSeries:
    """Two weeks of a weekly lesson (days_ahead and a week later)."""
    request = BookingRequest(
        instructor=profile.slug, service="piano", format="studio", duration_minutes=60,
        starts_at=_lesson_start(days_ahead), payment_method_id=card_id,
    )  # fmt: skip
    return booking_series_create(actor=student, request=request, weeks=2, now=timezone.now()).series


def _completed(student: User, profile: InstructorProfile, *, days_ago: int) -> Booking:
    """A lesson of the student's with the instructor that ended `days_ago` days ago, taught and
    charged: open for a review (the window is 30 days)."""
    ends_at = timezone.now() - dt.timedelta(days=days_ago)
    return make_booking(
        student=student, offering=profile.offerings.get(service__slug="piano"), starts_at=ends_at - dt.timedelta(hours=1),
        status=BookingStatus.COMPLETED, payment_status=PaymentStatus.CAPTURED,
    )  # fmt: skip


def _review(student: User, profile: InstructorProfile, *, days_ago: int, text: str, hide_by: User | None) -> Booking:
    """A completed lesson reviewed just now (still editable, not replied to); hidden by staff
    when `hide_by` is given (a hidden review shows only to its author, its instructor and
    staff)."""
    booking = _completed(student, profile, days_ago=days_ago)
    now = timezone.now()
    review = review_create(actor=student, booking_id=booking.pk, stars=4, text=text, now=now)
    if hide_by is not None:
        review_hide(actor=hide_by, review_id=review.pk, reason="Staff check of the matrix", now=now)
    return booking


def _payout_account(teacher: User, profile: InstructorProfile) -> str:
    """The instructor's connected payout account (the local gateway's), as a live instructor
    has; its id is the local onboarding page's parameter."""
    payout_account_start(actor=teacher, refresh_url="/teach/payouts/connect/", return_url="/teach/payouts/return/")
    account = payout_account_get(profile=profile)
    assert account is not None  # just started
    payout_account_local_complete(actor=teacher, account_id=account.account_id, now=timezone.now())
    return account.account_id


def _admin_rows(user: User, now: dt.datetime, *, booking: Booking, bystander: User) -> None:
    """A row for each admin model the rest of the world has none of, so every admin object
    page is probed with a real object. Money rows are settled and locks released, so they
    change nothing the other routes do (credit goes to `bystander`, who reaches nothing)."""
    Group.objects.create(name="Reviewers")
    settlement = Settlement.objects.create(
        booking=booking, reason=SettlementReason.COMPLETION, status=SettlementStatus.DONE,
        payment_to=PaymentStatus.CAPTURED, created_at=now, settled_at=now,
    )  # fmt: skip
    # Paid out already, so the instructor has nothing waiting for an instant payout.
    payout = Payout.objects.create(
        instructor=booking.instructor, kind=PayoutKind.WEEKLY, status=PayoutStatus.PAID, amount_cents=100,
        created_at=now, paid_at=now,
    )  # fmt: skip
    Earning.objects.create(
        instructor=booking.instructor, booking=booking, settlement=settlement, kind=EarningKind.LESSON,
        amount_cents=100, earned_at=now, payout=payout,
    )  # fmt: skip
    credit_grant(user=bystander, amount_cents=100, reason="Probe", now=now)
    StudentLock.objects.create(
        user=bystander, booking=booking, reason="Probe", created_at=now, released_at=now, released_by=bystander
    )
    PlatformConfig.objects.get_or_create(pk=1)
    ProfilePicture.objects.create(
        user=user, version=1, prefix=f"pictures/{user.pk}/probe", original_type="jpeg", width=400, height=400,
        crop={"x": 0, "y": 0, "width": 400, "height": 400}, source_started_at=now,
    )  # fmt: skip


def _referral(referrer: User, booking: Booking, now: dt.datetime) -> str:
    """The student invited Rowena, whose first lesson earned the student a pending reward
    (rows for the referrals page and every referrals admin page); returns the student's code."""
    code = referral_code_get(user=referrer, now=now)
    friend = StudentFactory.create(email="rowena@example.com", first_name="Rowena", last_name="Referred")
    referral = Referral.objects.create(referrer=referrer, referred=friend, kind="student", attributed_at=now)
    reward = Reward.objects.create(
        referral=referral, user=referrer, side="referrer", amount_cents=2000, booking=booking, earned_at=now,
        unlock_at=now + dt.timedelta(days=7),
    )  # fmt: skip
    RewardEvent.objects.create(reward=reward, at=now, to_status="pending")
    ReferralDevice.objects.create(user=referrer, device_id="probe", seen_at=now)
    return code.code


def _waiting(student: User, profile: InstructorProfile, now: dt.datetime) -> WaitlistEntry:
    """A waitlist entry for early mornings (the teacher opens at 09:00): nothing matches."""
    today = now.astimezone(NEW_YORK).date()
    return WaitlistEntry.objects.create(
        student=student, instructor=profile, offering=profile.offerings.get(service__slug="piano"), format="studio",
        duration_minutes=60, weekdays=0b1111111, start_minute=6 * 60, end_minute=7 * 60,
        date_from=today + dt.timedelta(days=1), date_to=today + dt.timedelta(days=8), created_at=now,
    )  # fmt: skip


def _people() -> dict[str, User]:
    users = {
        STUDENT: StudentFactory.create(email="student@example.com", first_name="Sam", last_name="Student"),
        OTHER_STUDENT: StudentFactory.create(email="other.student@example.com", first_name="Olivia"),
        INSTRUCTOR: InstructorUserFactory.create(email="instructor@example.com", first_name="Ines"),
        OTHER_INSTRUCTOR: InstructorUserFactory.create(email="other.instructor@example.com", first_name="Oscar"),
        STAFF: StaffFactory.create(email="ops@example.com", first_name="Otto"),
        STAFF_NO_2FA: StaffFactory.create(email="staff@example.com", first_name="Stella"),
    }
    TOTP.activate(users[STAFF], generate_totp_secret())
    return users


def _student_things(student: User, *, learner: str, street: str, neighborhood: str) -> dict[str, int]:
    return {
        "learner": learner_create(actor=student, first_name=learner, age_group="kids").pk,
        "address": address_create(actor=student, label="Home", street=street, neighborhood=neighborhood).pk,
        "card": payment_method_add(actor=student, card_token="4242424242424242").pk,
    }


def _teacher_things(
    teacher: User, *, day_off: dt.date, reason: str, file: str
) -> tuple[BlackoutDate, BackgroundCheckDocument, ImportedCalendar]:
    now = timezone.now()
    return (
        blackout_create(actor=teacher, day=day_off, reason=reason, now=now),
        document_submit(actor=teacher, data=corpus.pdf(), filename=file, now=now),
        # Never fetched here (the sweep doesn't run in the probes): the address stays unread.
        imported_calendar_add(actor=teacher, url=f"https://{file[:-4]}.invalid/cal.ics", label=reason, now=now),
    )


def _conversations(
    users: dict[str, User], mine: InstructorProfile, theirs: InstructorProfile, now: dt.datetime
) -> tuple[object, Message]:
    """Each pair's thread (the other pair's reported, so the admin has a report to show)."""
    asked = conversation_start(
        actor=users[STUDENT], instructor_slug=mine.slug, body="Pickle jar question: scales first?", now=now
    )
    answer = message_send(
        actor=users[INSTRUCTOR], conversation_id=asked.conversation.public_id, body="Yes, scales first.", now=now
    )
    other = conversation_start(
        actor=users[OTHER_STUDENT], instructor_slug=theirs.slug, body="Marmalade question: recitals?", now=now
    )
    rude = message_send(
        actor=users[OTHER_INSTRUCTOR], conversation_id=other.conversation.public_id, body="Pay me outside.", now=now
    )
    report = report_create(
        actor=users[OTHER_STUDENT], conversation_id=other.conversation.public_id, reason="off_platform",
        message_ids=[rude.pk], note="", now=now,
    )  # fmt: skip
    report_view_record(staff=users[STAFF], report_id=report.pk, now=now)  # the audit trail's admin pages
    return asked.conversation.public_id, answer


def world_build() -> World:
    """Everything the probes need. Call inside a transaction that is rolled back."""
    now = timezone.now()
    users = _people()
    mine = _teacher(
        users[INSTRUCTOR], slug="ines-piano", studio="99 Private Studio Rd",
        neighborhood=Neighborhood.objects.get(slug="park-slope"),
    )  # fmt: skip
    theirs = _teacher(
        users[OTHER_INSTRUCTOR], slug="oscar-piano", studio="42 Closed Studio Ave",
        neighborhood=Neighborhood.objects.get(slug="astoria"),
    )  # fmt: skip
    # The other pair has the same kinds of things, so a leak of theirs would show.
    day_off = now.astimezone(NEW_YORK).date() + dt.timedelta(days=30)
    student = _student_things(users[STUDENT], learner="Lorelei", street="17 Hidden Lane", neighborhood="park-slope")
    other = _student_things(users[OTHER_STUDENT], learner="Griselda", street="5 Quiet Court", neighborhood="astoria")
    blackout, document, imported_calendar = _teacher_things(
        users[INSTRUCTOR], day_off=day_off, reason="Dentist appointment", file="secret-check.pdf"
    )
    _teacher_things(users[OTHER_INSTRUCTOR], day_off=day_off, reason="Ski trip with cousins", file="other-check.pdf")
    booking = _book(users[STUDENT], mine, student["card"], days_ahead=5)
    series = _weekly(users[STUDENT], mine, student["card"], days_ahead=9)
    other_booking = _book(users[OTHER_STUDENT], theirs, other["card"], days_ahead=6)
    thread, their_message = _conversations(users, mine, theirs, now)
    # Past lessons for reviews: one reviewed (visible, editable, no reply yet), one whose
    # review staff hid (the moderation event the admin probes), and one waiting for its review;
    # the other pair has a hidden one.
    reviewed = _review(users[STUDENT], mine, days_ago=2, text="Clear and patient, thank you!", hide_by=None)
    hidden = _review(users[STUDENT], mine, days_ago=4, text="Ines spent the lesson texting", hide_by=users[STAFF])
    to_review = _completed(users[STUDENT], mine, days_ago=3)
    other_hidden = _review(
        users[OTHER_STUDENT], theirs, days_ago=2, text="Oscar forgot the sheet music", hide_by=users[STAFF]
    )
    ids: dict[str, object] = {
        **student,
        "booking": booking.public_id,
        "series": series.public_id,
        "reviewed_booking": reviewed.public_id,
        "review_booking": to_review.public_id,
        "payout_account": _payout_account(users[INSTRUCTOR], mine),
        "profile": mine.pk,
        "slug": mine.slug,
        "other_profile": theirs.pk,
        "offering": mine.offerings.get().pk,
        # Removing an offering that has bookings fails (see the report); removal is probed on
        # one without.
        "spare_offering": OfferingFactory.create(profile=mine, service=Service.objects.get(slug="guitar")).pk,
        "blackout": blackout.pk,
        "imported_calendar": imported_calendar.pk,
        "document": document.pk,
        "document_token": document_view_url(actor=users[INSTRUCTOR], document=document, now=now).url.split("/")[-2],
        "upload": upload_start(
            actor=users[STUDENT], kind=UploadKind.PICTURE, content_type=None, size=None, now=now
        ).upload.pk,
        "feed_token": calendar_feed_get(user=users[STUDENT]).token,
        "day_off": day_off,
        "free_start": _lesson_start(7),
        "category": "music",
        "service": "piano",
        "week_etag": availability_week_get(profile=mine, day=day_off).quoted_etag,
        "bogus_key": "not-a-real-key",
        "conversation": thread,
        "their_message": their_message.pk,
        "bogus_uid": "zz",
        "waitlist_entry": _waiting(users[STUDENT], mine, now).public_id,
    }
    _waiting(users[OTHER_STUDENT], theirs, now)
    Favorite.objects.create(student=users[OTHER_STUDENT], instructor=theirs, created_at=now)
    ids["referral_code"] = _referral(users[STUDENT], booking, now)
    markers = {
        "Lorelei": frozenset({STUDENT}),
        "Rowena": frozenset({STUDENT}),  # who the student invited (their referrals page)
        "Griselda": frozenset({OTHER_STUDENT}),
        "17 Hidden Lane": frozenset({STUDENT}),
        "5 Quiet Court": frozenset({OTHER_STUDENT}),
        "Dentist appointment": frozenset({INSTRUCTOR}),
        "Ski trip with cousins": frozenset({OTHER_INSTRUCTOR}),
        "99 Private Studio Rd": frozenset({INSTRUCTOR, STUDENT}),  # the student booked a lesson there
        "42 Closed Studio Ave": frozenset({OTHER_INSTRUCTOR, OTHER_STUDENT}),
        "secret-check.pdf": frozenset({INSTRUCTOR, STAFF}),
        "other-check.pdf": frozenset({OTHER_INSTRUCTOR, STAFF}),
        str(booking.public_id): frozenset({STUDENT, INSTRUCTOR}),
        str(series.public_id): frozenset({STUDENT, INSTRUCTOR}),
        str(other_booking.public_id): frozenset({OTHER_STUDENT, OTHER_INSTRUCTOR}),
        "Pickle jar question": frozenset({STUDENT, INSTRUCTOR}),
        "Marmalade question": frozenset({OTHER_STUDENT, OTHER_INSTRUCTOR}),
        str(thread): frozenset({STUDENT, INSTRUCTOR}),
        str(reviewed.public_id): frozenset({STUDENT, INSTRUCTOR}),
        str(hidden.public_id): frozenset({STUDENT, INSTRUCTOR}),
        str(to_review.public_id): frozenset({STUDENT, INSTRUCTOR}),
        str(other_hidden.public_id): frozenset({OTHER_STUDENT, OTHER_INSTRUCTOR}),
        # Hidden reviews are off the profile: only their author and instructor see them.
        "Ines spent the lesson texting": frozenset({STUDENT, INSTRUCTOR}),
        "Oscar forgot the sheet music": frozenset({OTHER_STUDENT, OTHER_INSTRUCTOR}),
    }
    _payout_account(users[OTHER_INSTRUCTOR], theirs)
    _admin_rows(users[STUDENT], now, booking=booking, bystander=users[STAFF_NO_2FA])
    return World(users=users, sessions=_sessions(users), ids=ids, markers=markers)


def _sessions(users: dict[str, User]) -> dict[str, str]:
    sessions = {}
    for persona, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[persona] = str(client.session.session_key)
    return sessions
