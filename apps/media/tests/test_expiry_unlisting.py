"""Trust over time: a background check that expires takes a live instructor out of search and
booking at once (their booked lessons stay); the instructor and staff are told, in-app and by
email, and the audit trail says why. Driven by the real sweep on a simulated clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.models import AuditEntry
from apps.bookings.services import BookingRequest, booking_create
from apps.core.errors import NotFound
from apps.instructors.models import InstructorProfile
from apps.instructors.onboarding import onboarding_status
from apps.media.services.documents import document_approve, document_reject, document_submit
from apps.media.tasks import media_sweep_run
from apps.media.tests import corpus
from apps.payments.services import payment_method_add
from apps.search.tests.helpers import NOW, TOMORROW, free, run, teacher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]
QUERY = "piano tomorrow afternoon"
YEAR = timedelta(days=365)


@pytest.fixture
def ana(staff: User) -> InstructorProfile:
    """Live, with a pass approved a year ago, less an hour: it expires at NOW + 1 h."""
    with time_machine.travel(NOW, tick=False):
        profile = free(teacher("Ana Alvarez", studio=9000), TOMORROW, ("13:00", "17:00"))
    approved_at = NOW - YEAR + timedelta(hours=1)
    with time_machine.travel(approved_at, tick=False):
        document = document_submit(actor=profile.user, data=corpus.pdf(), filename="check.pdf", now=approved_at)
        document_approve(actor=staff, document_id=document.pk, now=approved_at)
    return profile


def _book(student: User, start_hour: int) -> int:
    card = payment_method_add(actor=student, card_token="4242424242424242")
    request = BookingRequest(
        instructor="ana-alvarez", service="piano", format="studio", duration_minutes=60,
        starts_at=NOW.replace(day=26, hour=start_hour), payment_method_id=card.pk,
    )  # fmt: skip
    return booking_create(actor=student, request=request, now=timezone.now()).pk


def test_an_expired_check_unlists_the_instructor_but_keeps_booked_lessons(
    ana, staff, student, other_student, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(NOW, tick=False):
        booked = _book(student, 13)
        assert run(q=QUERY).total == 1  # the page is now cached
        with django_capture_on_commit_callbacks(execute=True):
            assert media_sweep_run(now=timezone.now())["expired_checks"] == 0
    expiry = NOW + timedelta(hours=1)
    with time_machine.travel(expiry, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert media_sweep_run(now=timezone.now())["expired_checks"] == 1
    ana.refresh_from_db()
    assert (ana.status, ana.background_check_passed_at) == ("onboarding", None)
    # Out of search at once (the cached page is stale) and out of booking; the lesson stays.
    assert run(expiry, q=QUERY).total == 0
    with time_machine.travel(expiry, tick=False), pytest.raises(NotFound):
        _book(other_student, 15)
    assert ana.bookings.get().pk == booked
    assert ana.bookings.get().status in {"pending", "confirmed"}
    # Told: the instructor (in-app and email) and every staff member.
    assert ana.user.notifications.filter(kind="background_check_expired").count() == 1
    assert staff.notifications.filter(kind="staff_alert", subject__contains="unlisted").count() == 1
    sent = sorted((email.to[0], email.subject) for email in mail.outbox)
    assert (ana.user.email, "InstaInstru · Your background check has expired") in sent
    assert any(to == staff.email and "unlisted" in subject for to, subject in sent)
    body = next(email.body for email in mail.outbox if email.subject.endswith("has expired"))
    assert "lessons already booked stay as they are" in body
    trail = list(AuditEntry.objects.order_by("id").values_list("action", "actor_id"))
    assert trail == [("document.approve", staff.pk), ("document.expire", None), ("instructor.unlisted", None)]


def test_a_renewed_check_completes_verification_again(ana, staff, django_capture_on_commit_callbacks) -> None:
    expiry = NOW + timedelta(hours=1)
    with time_machine.travel(expiry, tick=False), django_capture_on_commit_callbacks(execute=True):
        media_sweep_run(now=timezone.now())
    later = expiry + timedelta(days=2)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        renewal = document_submit(actor=ana.user, data=corpus.pdf(), filename="renewal.pdf", now=later)
        document_approve(actor=staff, document_id=renewal.pk, now=later)
    ana.refresh_from_db()
    verification = next(step for step in onboarding_status(ana).steps if step.key == "verification")
    assert (ana.background_check_passed_at, verification.done) == (later, True)
    decisions = ana.user.notifications.filter(kind="document_approved").count()
    assert decisions == 2  # every decision is told, the first approval included


def test_a_rejection_is_told_in_app_and_by_email(ana, staff, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        document = document_submit(actor=ana.user, data=corpus.pdf(), filename="blurry.pdf", now=NOW)
        document_reject(actor=staff, document_id=document.pk, reason="The scan is unreadable.", now=NOW)
    notice = ana.user.notifications.get(kind="document_rejected")
    assert "The scan is unreadable." in notice.body
    [email] = [email for email in mail.outbox if "needs another look" in email.subject]
    assert email.to == [ana.user.email]
    assert "The scan is unreadable." in email.body
    assert (
        AuditEntry.objects.filter(action="document.reject", actor=staff, reason="The scan is unreadable.").count() == 1
    )
