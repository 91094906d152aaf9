"""Background-check documents: private to the instructor and staff, reviewed in the admin,
valid a year, a reminder 30 days before, and the go-live flag follows the pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.errors import Conflict, PermissionDenied, ValidationFailed
from apps.instructors.models import InstructorProfile
from apps.media.models import BackgroundCheckDocument, DocumentEvent
from apps.media.services.documents import (
    document_approve,
    document_expiry_sweep,
    document_reject,
    document_reminder_sweep,
    document_submit,
)
from apps.media.tasks import media_sweep_run
from apps.media.tests import corpus
from apps.media.tests.conftest import stored_files
from instainstru.celery import app as celery_app

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 15, 14, 0, tzinfo=UTC)
PAGE = "/teach/verification/documents/"
CHANGELIST = "/admin/media/backgroundcheckdocument/"


@pytest.fixture
def reviewer(staff):
    """Staff with two-factor on, as the site requires before anything else."""
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return staff


def _submit(instructor, *, at: datetime = T0, data: bytes | None = None) -> BackgroundCheckDocument:
    return document_submit(actor=instructor, data=data or corpus.pdf(), filename="report.pdf", now=at)


def _events(document: BackgroundCheckDocument) -> list[tuple[str, str, int | None, str]]:
    return [(e.from_status, e.to_status, e.actor_id, e.note) for e in DocumentEvent.objects.filter(document=document)]


def _passed_at(instructor) -> datetime | None:
    return InstructorProfile.objects.get(user=instructor).background_check_passed_at


def test_instructor_uploads_on_the_page_and_sees_it_pending(client, instructor, private_root) -> None:
    client.force_login(instructor)
    assert client.get(PAGE).status_code == 200
    with time_machine.travel(T0, tick=False):
        posted = client.post(PAGE, {"file": SimpleUploadedFile("Checkr report.pdf", corpus.pdf())})
    assert (posted.status_code, posted["Location"]) == (302, "/teach/verification/")
    document = BackgroundCheckDocument.objects.get()
    assert (document.instructor, document.status, document.filename) == (instructor, "pending", "Checkr report.pdf")
    assert (document.content_type, document.size_bytes, document.submitted_at) == (
        "application/pdf",
        len(corpus.pdf()),
        T0,
    )
    assert stored_files(private_root) == [document.key]
    assert (private_root / document.key).read_bytes() == corpus.pdf()
    assert _events(document) == [("", "pending", instructor.pk, "")]
    assert _passed_at(instructor) is None  # the profile exists now, the pass does not
    page = client.get(PAGE)
    assert [str(m) for m in page.context["messages"]] == ["Thanks! We'll review your document and let you know."]
    assert b"Checkr report.pdf" in page.content
    assert b"Waiting for review" in page.content


def test_documents_page_is_for_instructors_only(client, student) -> None:
    assert client.get(PAGE)["Location"] == f"/accounts/login/?next={PAGE}"
    client.force_login(student)
    assert client.get(PAGE).status_code == 404


def test_document_opens_for_its_instructor_and_staff_only(
    client, instructor, other_instructor, student, reviewer
) -> None:
    document = _submit(instructor)
    opener = f"/teach/verification/documents/{document.pk}/view/"
    client.force_login(instructor)
    redirect = client.get(opener)
    assert redirect.status_code == 302
    served = client.get(redirect["Location"])
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == corpus.pdf()
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"] == 'attachment; filename="background-check.pdf"'
    assert served["Cache-Control"] == "private, no-store"

    # The link is bound to the instructor: anyone else holding it gets nothing.
    for person in (other_instructor, student, reviewer):
        client.force_login(person)
        assert client.get(redirect["Location"]).status_code == 404
    client.logout()
    assert client.get(redirect["Location"]).status_code == 404

    for person in (other_instructor, student):
        client.force_login(person)
        assert client.get(opener).status_code == 404
    client.force_login(reviewer)
    staff_link = client.get(opener)["Location"]
    assert b"".join(client.get(staff_link).streaming_content) == corpus.pdf()


def test_documents_api_is_private(client, instructor, other_instructor, student, reviewer) -> None:
    document = _submit(instructor)
    client.force_login(instructor)
    listed = client.get("/api/v1/media/documents").json()
    assert [(d["id"], d["status"], d["status_label"], d["filename"]) for d in listed] == [
        (document.pk, "pending", "Waiting for review", "report.pdf")
    ]
    assert listed[0]["view_url"].startswith("http://testserver/media/file/")
    assert client.get(f"/api/v1/media/documents/{document.pk}").json()["id"] == document.pk

    client.force_login(other_instructor)
    assert client.get("/api/v1/media/documents").json() == []
    assert client.get(f"/api/v1/media/documents/{document.pk}").status_code == 404
    client.force_login(student)
    assert client.get("/api/v1/media/documents").status_code == 403
    assert client.get(f"/api/v1/media/documents/{document.pk}").status_code == 404
    assert (
        client.post("/api/v1/media/uploads", {"kind": "document"}, content_type="application/json").status_code == 403
    )
    client.force_login(reviewer)
    assert client.get(f"/api/v1/media/documents/{document.pk}").json()["status"] == "pending"


def test_staff_approve_in_the_admin_sets_the_pass_for_a_year(client, instructor, reviewer) -> None:
    staff = reviewer
    document = _submit(instructor)
    client.force_login(staff)
    queue = client.get("/admin/media/backgroundcheckreview/")
    assert queue.status_code == 200
    assert list(queue.context["cl"].result_list) == [document]
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        done = client.post(
            CHANGELIST, {"action": "approve", "index": "0", ACTION_CHECKBOX_NAME: [document.pk]}, follow=True
        )
    assert [str(m) for m in done.context["messages"]] == ["Approved 1 document."]
    document.refresh_from_db()
    approved_at = T0 + timedelta(days=2)
    assert (document.status, document.reviewed_by, document.reviewed_at) == ("approved", staff, approved_at)
    assert document.valid_until == approved_at + timedelta(days=365)
    assert _passed_at(instructor) == approved_at
    assert _events(document)[-1] == ("pending", "approved", staff.pk, "")
    assert list(client.get("/admin/media/backgroundcheckreview/").context["cl"].result_list) == []


def test_staff_reject_with_a_reason_the_instructor_sees(client, instructor, reviewer) -> None:
    staff = reviewer
    document = _submit(instructor)
    client.force_login(staff)
    asked = client.post(CHANGELIST, {"action": "reject", "index": "0", ACTION_CHECKBOX_NAME: [document.pk]})
    assert asked.status_code == 200
    assert b"Reason the instructor will see" in asked.content
    blank = client.post(
        CHANGELIST, {"action": "reject", ACTION_CHECKBOX_NAME: [document.pk], "apply": "1", "reason": " "}
    )
    assert blank.context["form"].errors == {"reason": ["This field is required."]}
    document.refresh_from_db()
    assert document.status == "pending"

    reason = "The report is for a different name. Upload the one issued to you."
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        rejected = client.post(
            CHANGELIST, {"action": "reject", ACTION_CHECKBOX_NAME: [document.pk], "apply": "1", "reason": reason}
        )
    assert (rejected.status_code, rejected["Location"]) == (302, CHANGELIST)
    document.refresh_from_db()
    assert (document.status, document.rejection_reason, document.reviewed_by) == ("rejected", reason, staff)
    assert _events(document)[-1] == ("pending", "rejected", staff.pk, reason)
    assert _passed_at(instructor) is None

    client.force_login(instructor)
    page = client.get(PAGE)
    assert f"Why: {reason}".encode() in page.content
    assert b"Not accepted" in page.content


def test_non_staff_cannot_review(instructor, other_instructor) -> None:
    document = _submit(instructor)
    with pytest.raises(PermissionDenied):
        document_approve(actor=other_instructor, document_id=document.pk, now=T0)
    with pytest.raises(PermissionDenied):
        document_reject(actor=instructor, document_id=document.pk, reason="no", now=T0)
    document.refresh_from_db()
    assert document.status == "pending"
    assert len(_events(document)) == 1


def test_reviews_follow_the_declared_transitions(instructor, staff) -> None:
    document = _submit(instructor)
    document_approve(actor=staff, document_id=document.pk, now=T0)
    with pytest.raises(Conflict) as caught:
        document_reject(actor=staff, document_id=document.pk, reason="Changed my mind", now=T0)
    assert caught.value.message == "This document is approved; it can't become not accepted."
    with pytest.raises(ValidationFailed):
        document_reject(actor=staff, document_id=_submit(instructor).pk, reason="x" * 501, now=T0)
    document.refresh_from_db()
    assert (document.status, document.rejection_reason) == ("approved", "")


def test_a_new_pass_supersedes_the_old_one(instructor, staff) -> None:
    first = _submit(instructor)
    document_approve(actor=staff, document_id=first.pk, now=T0)
    second = _submit(instructor, at=T0 + timedelta(days=300))
    later = T0 + timedelta(days=301)
    document_approve(actor=staff, document_id=second.pk, now=later)
    first.refresh_from_db()
    assert first.status == "superseded"
    assert _events(first)[-1] == ("approved", "superseded", staff.pk, f"Replaced by document {second.pk}.")
    assert BackgroundCheckDocument.objects.get(status="approved") == second
    assert _passed_at(instructor) == later


def test_pass_expires_after_a_year_and_clears_the_flag(
    instructor, staff, settings, django_capture_on_commit_callbacks
) -> None:
    document = _submit(instructor)
    document_approve(actor=staff, document_id=document.pk, now=T0)
    expiry = T0 + timedelta(days=365)
    assert document_expiry_sweep(now=expiry - timedelta(seconds=1)) == 0
    assert _passed_at(instructor) == T0
    settings.SITE_URL = "https://instainstru.example"
    with django_capture_on_commit_callbacks(execute=True):
        assert document_expiry_sweep(now=expiry) == 1
    [email] = mail.outbox
    document.refresh_from_db()
    assert document.status == "expired"
    assert _passed_at(instructor) is None
    assert _events(document)[-1] == ("approved", "expired", None, "A pass is valid for one year.")
    assert (email.to, email.subject) == ([instructor.email], "InstaInstru · Your background check has expired")
    assert "expired on Fri 15 Jan 2027" in email.body
    # Its in-app twin.
    assert list(instructor.notifications.order_by("id").values_list("kind", "subject")) == [
        ("document_approved", "Your background check was approved"),
        ("background_check_expired", "Your background check has expired"),
    ]
    assert "https://instainstru.example/teach/verification/documents/" in email.body
    assert document_expiry_sweep(now=expiry + timedelta(days=1)) == 0


def test_reminder_30_days_before_expiry_is_sent_once(instructor, staff, django_capture_on_commit_callbacks) -> None:
    document = _submit(instructor)
    document_approve(actor=staff, document_id=document.pk, now=T0)
    remind_at = T0 + timedelta(days=365 - 30)
    with django_capture_on_commit_callbacks(execute=True):
        assert document_reminder_sweep(now=remind_at - timedelta(seconds=1)) == 0
        assert document_reminder_sweep(now=remind_at) == 1
        assert document_reminder_sweep(now=remind_at + timedelta(days=1)) == 0
    [email] = mail.outbox
    assert (email.to, email.subject) == ([instructor.email], "InstaInstru · Your background check expires soon")
    # 14:00 UTC is 9:00 in New York, the instructor's zone: still the 15th there.
    assert "expires on Fri 15 Jan 2027" in email.body
    document.refresh_from_db()
    assert document.reminder_sent_at == remind_at


def test_no_reminder_while_a_renewal_waits_for_review(instructor, staff, django_capture_on_commit_callbacks) -> None:
    document = _submit(instructor)
    document_approve(actor=staff, document_id=document.pk, now=T0)
    _submit(instructor, at=T0 + timedelta(days=320))
    with django_capture_on_commit_callbacks(execute=True):
        assert document_reminder_sweep(now=T0 + timedelta(days=340)) == 0
    assert mail.outbox == []


def test_the_sweep_is_scheduled_and_runs_every_part(instructor, staff, django_capture_on_commit_callbacks) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["media-sweep"] == {"task": "media.sweep", "schedule": 300.0}
    assert "media.sweep" in celery_app.tasks
    document = _submit(instructor)
    document_approve(actor=staff, document_id=document.pk, now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        ran = media_sweep_run(now=T0 + timedelta(days=366))
    assert ran == {"retired_files": 0, "abandoned_uploads": 0, "expired_checks": 1, "expiry_reminders": 0}
    assert [email.subject for email in mail.outbox] == ["InstaInstru · Your background check has expired"]
    # The beat entry names a task that runs (here inline, as the in-process scheduler does).
    nothing_due = {"retired_files": 0, "abandoned_uploads": 0, "expired_checks": 0, "expiry_reminders": 0}
    assert celery_app.tasks["media.sweep"].apply(throw=True).get() == nothing_due
