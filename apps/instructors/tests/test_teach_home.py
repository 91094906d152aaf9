"""The instructor's way in and home: "Teach on InstaInstru" preselects teaching at sign-up,
signing in lands on the Teach page, which has a Start button before onboarding, the
checklist until live and then the dashboard (today's lessons, this week's earnings, what
waits, profile completeness); and each verification check shows its real state on the step
(received and in review, approved, not accepted with the reason, expired)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, StudentFactory
from apps.availability.models import AvailabilityDay
from apps.bookings.states import BookingStatus
from apps.bookings.tests.factories import make_booking
from apps.instructors.models import InstructorProfile
from apps.instructors.services import instructor_profile_ensure, instructor_verification_mark
from apps.instructors.tests.factories import OfferingFactory, live_instructor
from apps.media.models import BackgroundCheckDocument
from apps.media.services.documents import document_approve, document_expiry_sweep, document_reject
from apps.media.tests import corpus
from apps.payments.models import Earning
from apps.reviews.models import Review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]

DASHBOARD = "/teach/dashboard/"
# Tue 8 Dec 2026, 9:00 am in New York; the payout day is Monday, so the week began Mon 7 Dec.
NOW = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)


# --- sign-up and landing ---------------------------------------------------------------------


def test_the_footer_link_preselects_teaching_at_sign_up(client: Client) -> None:
    home = client.get("/").content.decode()
    assert '<a href="/accounts/signup/?role=instructor">Teach on InstaInstru</a>' in home
    html = client.get("/accounts/signup/?role=instructor").content.decode()
    assert 'value="instructor" required id="id_role_1" checked' in html
    assert "<h1>Teach on InstaInstru</h1>" in html


@pytest.mark.parametrize("query", ["", "?role=staff", "?role="])
def test_sign_up_defaults_to_taking_lessons(client: Client, query: str) -> None:
    html = client.get(f"/accounts/signup/{query}").content.decode()
    assert 'value="student" required id="id_role_0" checked' in html
    assert 'id="id_role_1" checked' not in html
    assert "<h1>Create your account</h1>" in html


def test_a_new_instructor_lands_on_the_teach_page_after_confirming_their_email(client: Client, mailoutbox) -> None:
    posted = client.post(
        "/accounts/signup/?role=instructor",
        {
            "email": "maria@example.com", "password1": DEFAULT_PASSWORD, "password2": DEFAULT_PASSWORD,
            "first_name": "Maria", "last_name": "Garcia", "role": "instructor",
        },
    )  # fmt: skip
    assert (posted.status_code, posted["Location"]) == (302, "/accounts/confirm-email/")
    link = next(word for word in mailoutbox[0].body.split() if "/accounts/confirm-email/" in word)
    path = link.split("example.com", 1)[-1].split("testserver", 1)[-1]
    path = path[path.index("/accounts/") :]
    confirmed = client.post(path)
    assert (confirmed.status_code, confirmed["Location"]) == (302, DASHBOARD)
    user = User.objects.get(email="maria@example.com")
    assert user.role == "instructor"
    page = client.get(DASHBOARD).content.decode()
    assert '<a class="btn btn-primary btn-large" href="/teach/">Start</a>' in page


def test_an_instructor_signing_in_lands_on_the_teach_page(client: Client, instructor: User) -> None:
    signed_in = client.post("/accounts/login/", {"login": instructor.email, "password": DEFAULT_PASSWORD})
    assert (signed_in.status_code, signed_in["Location"]) == (302, DASHBOARD)


# --- the Teach page before going live --------------------------------------------------------


def test_before_onboarding_the_teach_page_has_a_start_button(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    html = client.get("/").content.decode()
    assert '<li><a href="/teach/dashboard/">Teach</a></li>' in html
    response = client.get(DASHBOARD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Teach on InstaInstru</h1>" in html
    assert '<a class="btn btn-primary btn-large" href="/teach/">Start</a>' in html
    assert "Earnings this week" not in html


def test_a_started_instructor_sees_the_checklist_and_continue(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    client.post("/teach/", {"display_name": "Ines I.", "bio": "I teach piano to kids and adults.", "timezone": "America/New_York", "years_experience": "3", "buffer_minutes": "15", "travel_buffer_minutes": "60"})  # fmt: skip
    html = client.get(DASHBOARD).content.decode()
    assert "<h1>Finish setting up</h1>" in html
    assert "1 of 5 steps done." in html
    assert 'href="/teach/status/">Continue: Skills &amp; prices</a>' in html
    assert '<strong class="pill pill-done">Done</strong> profile written' in html
    assert '<strong class="pill pill-todo">To do</strong> add at least one subject with a price' in html


def test_students_and_visitors_have_no_teach_page(client: Client, student: User) -> None:
    assert client.get(DASHBOARD)["Location"] == f"/accounts/login/?next={DASHBOARD}"
    client.force_login(student)
    assert client.get(DASHBOARD).status_code == 404
    assert not InstructorProfile.objects.exists()


# --- the dashboard once live -----------------------------------------------------------------


def _live_with_day() -> tuple[InstructorProfile, User]:
    profile = live_instructor(headline="", years_experience=0, went_live_at=NOW - timedelta(days=30))
    offering = OfferingFactory.create(profile=profile, rate_studio_cents=9000)
    ana = StudentFactory.create(first_name="Ana", last_name="Lee")
    ben = StudentFactory.create(first_name="Ben", last_name="Stone")
    today = NOW.replace(hour=0)
    make_booking(student=ana, offering=offering, starts_at=today + timedelta(hours=15))  # 10:00 am NY
    make_booking(student=ben, offering=offering, starts_at=today + timedelta(hours=19, minutes=30))  # 2:30 pm
    make_booking(student=ben, offering=offering, starts_at=today + timedelta(hours=17), status=BookingStatus.CANCELLED)
    make_booking(student=ben, offering=offering, starts_at=today + timedelta(days=1, hours=15))  # tomorrow
    # Ended yesterday and still confirmed: waiting to be marked complete.
    make_booking(student=ana, offering=offering, starts_at=NOW - timedelta(days=1))
    # This week's earnings (since Mon 7 Dec, midnight in New York), one before, one unpaid.
    week_start = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    for cents, at in [(7650, week_start), (8160, NOW - timedelta(hours=1)), (9999, week_start - timedelta(seconds=1))]:
        Earning.objects.create(instructor=profile, kind="lesson", amount_cents=cents, earned_at=at)
    return profile, ana


def test_the_live_dashboard_shows_today_earnings_actions_and_completeness(client: Client) -> None:
    profile, _ = _live_with_day()
    client.force_login(profile.user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(DASHBOARD)
    html = response.content.decode()
    board = response.context["dashboard"]
    assert [(row.when, row.who) for row in board.today] == [
        ("Tue 8 Dec, 10:00–11:00 am", "with Ana L."),
        ("Tue 8 Dec, 2:30–3:30 pm", "with Ben S."),
    ]
    assert board.earnings.this_week_cents == 7650 + 8160
    assert '<p class="stat">$158.10</p>' in html
    assert "$258.09 waits for the next payout" in html
    assert [(a.text, a.url) for a in board.actions] == [("Mark 1 finished lesson as complete", "/schedule/")]
    assert [(item.title, item.done) for item in board.completeness] == [
        ("Profile picture", False), ("Headline", False), ("Years of experience", False), ("Open times", False),
    ]  # fmt: skip
    assert '<label for="completeness">0% complete</label>' in html
    assert '<a href="/teach/">Add your headline</a>' in html


def test_replies_and_open_times_update_the_dashboard(client: Client) -> None:
    profile, ana = _live_with_day()
    booking = profile.bookings.filter(student=ana).earliest("starts_at")
    Review.objects.create(booking=booking, instructor=profile, author=ana, service_name="Piano", stars=5, posted_at=NOW)
    AvailabilityDay.objects.create(instructor=profile, date=NOW.date(), cells=1 << 20)
    InstructorProfile.objects.filter(pk=profile.pk).update(headline="Patient piano teacher", years_experience=4)
    client.force_login(profile.user)
    with time_machine.travel(NOW, tick=False):
        board = client.get(DASHBOARD).context["dashboard"]
    assert [a.text for a in board.actions] == ["Mark 1 finished lesson as complete", "Reply to 1 review"]
    assert board.completeness_percent == 75
    assert [item.title for item in board.next_steps] == ["Profile picture"]


def test_the_dashboard_costs_the_same_queries_for_one_lesson_or_many(client: Client) -> None:
    profile, _ = _live_with_day()
    client.force_login(profile.user)
    with time_machine.travel(NOW, tick=False):
        client.get(DASHBOARD)  # warms the platform-configuration cache, as in production
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    offering = profile.offerings.get()
    for n in range(6):  # 90 minutes apart: an hour's lesson and the instructor's buffer
        student = StudentFactory.create()
        make_booking(student=student, offering=offering, starts_at=NOW + timedelta(hours=7, minutes=90 * n))
        Review.objects.create(
            booking=make_booking(student=student, offering=offering, starts_at=NOW - timedelta(days=3 + n)),
            instructor=profile, author=student, service_name="Piano", stars=4, posted_at=NOW,
        )  # fmt: skip
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as many:
        response = client.get(DASHBOARD)
    assert len(response.context["dashboard"].today) == 8
    # Session, user, profile with offerings and areas, latest document, today, earnings (3),
    # actions (3), picture, open times, the header's unread counts: 20 in all, however many rows.
    assert len(many.captured_queries) == len(few.captured_queries) == 20


# --- verification: each check's real state on the step ---------------------------------------


def test_an_upload_shows_in_review_on_the_step_and_everywhere_the_step_is_listed(
    client: Client, instructor: User, tmp_path, settings
) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}  # fmt: skip
    client.force_login(instructor)
    with time_machine.travel(NOW, tick=False):
        posted = client.post("/teach/verification/documents/", {"file": SimpleUploadedFile("report.pdf", corpus.pdf())})
    assert (posted.status_code, posted["Location"]) == (302, "/teach/verification/")
    html = client.get("/teach/verification/").content.decode()
    assert (
        '<strong class="pill pill-in_review">In review</strong> Received Tue 8 Dec. Our team reviews it and emails you'
        " the result; nothing to do." in html
    )
    assert '<strong class="pill pill-in_review">In review</strong> Our team confirms it from your' in html
    assert "upload-heading" not in html  # nothing to upload while one is in review
    status = client.get("/teach/status/")
    assert [(i.key, i.state_label, i.detail) for i in status.context["progress"]][2] == (
        "verification", "In review", "your background check is in review",
    )  # fmt: skip
    assert '<span class="progress-state">In review</span>' in status.content.decode()


def test_a_rejection_shows_the_reason_and_a_new_upload_form_on_the_step(
    client: Client, instructor: User, staff: User
) -> None:
    document = BackgroundCheckDocument.objects.create(
        instructor=instructor, key="k/1.pdf", content_type="application/pdf", size_bytes=10, filename="a.pdf",
        submitted_at=NOW,
    )  # fmt: skip
    document_reject(actor=staff, document_id=document.pk, reason="The report is older than 90 days.", now=NOW)
    client.force_login(instructor)
    html = client.get("/teach/verification/").content.decode()
    assert '<strong class="pill pill-rejected">Not accepted</strong> Upload a new document that fixes this.' in html
    assert '<p class="check-reason"><strong>Why:</strong> The report is older than 90 days.</p>' in html
    assert '<h2 id="upload-heading">Upload a new document</h2>' in html
    status = client.get("/teach/status/").content.decode()
    assert (
        '<strong class="pill pill-rejected">Needs a new document</strong>\n          your background check was not'
        " accepted (The report is older than 90 days.): upload a new one" in status
    )


def test_an_approval_then_expiry_show_on_the_step(client: Client, instructor: User, staff: User) -> None:
    instructor_profile_ensure(actor=instructor)
    document = BackgroundCheckDocument.objects.create(
        instructor=instructor, key="k/2.pdf", content_type="application/pdf", size_bytes=10, filename="a.pdf",
        submitted_at=NOW,
    )  # fmt: skip
    document_approve(actor=staff, document_id=document.pk, now=NOW)
    profile = InstructorProfile.objects.get(user=instructor)
    instructor_verification_mark(actor=staff, profile_id=profile.pk, now=NOW, identity=True)
    client.force_login(instructor)
    page = client.get("/teach/verification/")
    html = page.content.decode()
    assert '<strong class="pill pill-done">Approved</strong> Valid until Wed 8 Dec.' in html
    assert '<strong class="pill pill-done">Verified</strong> Confirmed Tue 8 Dec.' in html
    assert page.context["progress"][2].state == "done"
    document_expiry_sweep(now=NOW + timedelta(days=366))
    html = client.get("/teach/verification/").content.decode()
    assert (
        '<strong class="pill pill-todo">Expired</strong> Your last check ran out. Upload a new report to stay listed.'
        in html
    )
    assert '<h2 id="upload-heading">Upload your background check</h2>' in html
