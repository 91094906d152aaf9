"""Notification categories, which of them a user may turn off, and each kind's category."""

from __future__ import annotations

from django.db import models


class Category(models.TextChoices):
    PAYMENTS = "payments", "Payments and payouts"
    SECURITY = "security", "Security"
    LESSONS = "lessons", "Lesson updates"
    REMINDERS = "reminders", "Lesson reminders"
    MESSAGES = "messages", "New messages"
    STAFF = "staff", "Staff alerts"
    ACCOUNT = "account", "Account"


# Security and payment emails always go (PRODUCT.md §11); staff alerts too.
ESSENTIAL_CATEGORIES = frozenset({Category.PAYMENTS, Category.SECURITY, Category.STAFF})
OPTIONAL_CATEGORIES = (Category.LESSONS, Category.REMINDERS, Category.MESSAGES)


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    OFF = "off", "Not emailed (turned off)"


KIND_CATEGORY: dict[str, Category] = {
    "authorization_failed": Category.PAYMENTS,
    "authorization_fixed": Category.PAYMENTS,
    "authorization_final_warning": Category.PAYMENTS,
    "capture_failed": Category.PAYMENTS,
    "payment_review": Category.PAYMENTS,
    "payout_sent": Category.PAYMENTS,
    "payment_refunded": Category.PAYMENTS,
    "payout_failed": Category.PAYMENTS,
    "payment_action_required": Category.PAYMENTS,
    "identity_verified": Category.ACCOUNT,
    "document_approved": Category.ACCOUNT,
    "document_rejected": Category.ACCOUNT,
    "background_check_reminder": Category.ACCOUNT,
    "background_check_expired": Category.ACCOUNT,
    "instructor_suspended": Category.ACCOUNT,
    "instructor_reinstated": Category.ACCOUNT,
    "imported_calendar_failing": Category.ACCOUNT,
    "booking_auto_cancelled": Category.PAYMENTS,
    "booking_payment_expired": Category.PAYMENTS,
    "booking_confirmed": Category.LESSONS,
    "booking_cancelled": Category.LESSONS,
    "booking_rescheduled": Category.LESSONS,
    "booking_completed": Category.LESSONS,
    "series_unbooked": Category.LESSONS,
    "no_show_reported": Category.LESSONS,
    "no_show_disputed": Category.LESSONS,
    "no_show_resolved": Category.LESSONS,
    "review_request": Category.LESSONS,
    "review_posted": Category.LESSONS,
    "review_reply": Category.LESSONS,
    "reminder": Category.REMINDERS,
    "new_message": Category.MESSAGES,
    "waitlist_opening": Category.LESSONS,
    "staff_alert": Category.STAFF,
    # Referral rewards are money the user is owed (apps/referrals).
    "referral_earned": Category.PAYMENTS,
    "referral_unlocked": Category.PAYMENTS,
    "referral_voided": Category.PAYMENTS,
}
