"""The work waiting for staff, counted for the admin's front page. One query per queue, each
served by an index (document queue, review flags, booking payment status, report and reward
status)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q
from django.urls import reverse

from apps.bookings.models import Booking, NoShowReport
from apps.bookings.states import NoShowStatus, PaymentStatus
from apps.media.models import BackgroundCheckDocument
from apps.media.states import DocumentStatus
from apps.messaging.models import Report, ReportStatus
from apps.payments.models import StudentLock
from apps.referrals.models import Reward
from apps.referrals.states import RewardStatus
from apps.reviews.models import Review


@dataclass(frozen=True)
class Queue:
    label: str
    count: int
    url: str


def backoffice_queue_list() -> list[Queue]:
    flagged = Q(flagged_at__isnull=False) & (Q(moderated_at__isnull=True) | Q(moderated_at__lt=F("flagged_at")))
    bookings = reverse("admin:bookings_booking_changelist")
    return [
        Queue(
            "Background checks to review",
            BackgroundCheckDocument.objects.filter(status=DocumentStatus.PENDING).count(),
            reverse("admin:media_backgroundcheckreview_changelist"),
        ),
        Queue(
            "Flagged reviews",
            Review.objects.filter(flagged).count(),
            reverse("admin:reviews_review_changelist") + "?queue=flagged",
        ),
        Queue(
            "Payments in manual review",
            Booking.objects.filter(payment_status=PaymentStatus.MANUAL_REVIEW).count(),
            f"{bookings}?payment_status__exact={PaymentStatus.MANUAL_REVIEW}",
        ),
        Queue(
            "Disputed no-shows",
            NoShowReport.objects.filter(status=NoShowStatus.DISPUTED).count(),
            f"{bookings}?no_show__status__exact={NoShowStatus.DISPUTED}",
        ),
        Queue(
            "Reported conversations",
            Report.objects.filter(status=ReportStatus.OPEN).count(),
            reverse("admin:messaging_report_changelist") + f"?status__exact={ReportStatus.OPEN}",
        ),
        Queue(
            "Frozen referral rewards",
            Reward.objects.filter(status=RewardStatus.FROZEN).count(),
            reverse("admin:referrals_reward_changelist") + f"?status__exact={RewardStatus.FROZEN}",
        ),
        Queue(
            "Student accounts on hold",
            StudentLock.objects.filter(released_at__isnull=True).count(),
            reverse("admin:payments_studentlock_changelist") + "?active=yes",
        ),
    ]
