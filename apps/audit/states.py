"""The one vocabulary of audited actions. Every audit entry names one of these; adding an
action means adding it here (the database refuses any other value)."""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    # Bookings and money
    BOOKING_CANCEL = "booking.cancel", "Booking cancelled by staff"
    BOOKING_COMPLETE = "booking.complete", "Booking marked complete by staff"
    BOOKING_REFUND = "booking.refund", "Payment refunded by staff"
    NO_SHOW_RESOLVE = "no_show.resolve", "No-show report resolved"
    STUDENT_LOCK_RELEASE = "student_lock.release", "Student account hold released"
    CREDIT_GRANT = "credit.grant", "Credit granted"
    CREDIT_REVOKE = "credit.revoke", "Credit revoked"
    # People
    USER_LOCK = "user.lock", "User locked"
    USER_UNLOCK = "user.unlock", "User unlocked"
    INSTRUCTOR_SUSPEND = "instructor.suspend", "Instructor suspended"
    INSTRUCTOR_REINSTATE = "instructor.reinstate", "Instructor reinstated"
    INSTRUCTOR_VERIFICATION = "instructor.verification", "Instructor verification marked"
    INSTRUCTOR_UNLISTED = "instructor.unlisted", "Instructor unlisted (background check expired)"
    INSTRUCTOR_EDIT = "instructor.edit", "Instructor profile edited by staff"
    # Trust and safety
    DOCUMENT_APPROVE = "document.approve", "Background check approved"
    DOCUMENT_REJECT = "document.reject", "Background check rejected"
    DOCUMENT_EXPIRE = "document.expire", "Background check expired"
    REVIEW_HIDE = "review.hide", "Review hidden"
    REVIEW_RESTORE = "review.restore", "Review restored"
    REVIEW_KEEP = "review.keep", "Flagged review kept"
    # Configuration
    CONFIG_EDIT = "config.edit", "Platform configuration changed"
