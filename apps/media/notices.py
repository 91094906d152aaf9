"""What instructors (and staff) are told about background-check documents: every decision,
the renewal reminder and the expiry, each in-app and by email (notifications.notify)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from apps.accounts.models import User
from apps.media.models import BackgroundCheckDocument
from apps.notifications.services import notify, notify_staff


def _day(at: datetime, user: User) -> str:
    local = at.astimezone(ZoneInfo(user.timezone))
    return f"{local:%a} {local.day} {local:%b %Y}"


def _documents_url() -> str:
    return reverse("media:documents")


def document_approved(document: BackgroundCheckDocument, *, now: datetime) -> None:
    instructor = document.instructor
    assert document.valid_until is not None  # approved documents always have one (a DB constraint)
    notify(
        user=instructor, kind="document_approved", subject="Your background check was approved", now=now,
        body=f"We approved your background check ({document.filename}). It is valid until "
        f"{_day(document.valid_until, instructor)}; we'll remind you a month before.",
        url=_documents_url(),
    )  # fmt: skip


def document_rejected(document: BackgroundCheckDocument, *, now: datetime) -> None:
    notify(
        user=document.instructor, kind="document_rejected", subject="Your background check needs another look",
        now=now, url=_documents_url(),
        body=f"We couldn't approve your background-check document ({document.filename}): "
        f"{document.rejection_reason} Upload a new document from your verification page.",
    )  # fmt: skip


def document_reminder(document: BackgroundCheckDocument, *, now: datetime) -> None:
    instructor = document.instructor
    assert document.valid_until is not None
    notify(
        user=instructor, kind="background_check_reminder", subject="Your background check expires soon", now=now,
        url=_documents_url(),
        body=f"Your background check on InstaInstru expires on {_day(document.valid_until, instructor)}. To keep "
        "your verified badge and stay bookable, upload a new background-check document before then. Our team "
        "reviews new documents within a few days.",
    )  # fmt: skip


def document_expired(document: BackgroundCheckDocument, *, unlisted: bool, now: datetime) -> None:
    instructor = document.instructor
    assert document.valid_until is not None
    hidden = (
        " Your profile is hidden from search and new bookings until a new one is approved; lessons already "
        "booked stay as they are."
        if unlisted
        else ""
    )
    notify(
        user=instructor, kind="background_check_expired", subject="Your background check has expired", now=now,
        url=_documents_url(),
        body=f"Your background check on InstaInstru expired on {_day(document.valid_until, instructor)}.{hidden} "
        "Upload a new background-check document; our team reviews new documents within a few days.",
    )  # fmt: skip
    if unlisted:
        notify_staff(
            kind="staff_alert", subject=f"Background check expired: {instructor.email} unlisted", now=now,
            url=reverse("admin:media_backgroundcheckdocument_change", args=[document.pk]),
            body=f"{instructor.email}'s background check expired, so their profile left search and booking. "
            "Their booked lessons stay. They were asked to upload a new document.",
        )  # fmt: skip
