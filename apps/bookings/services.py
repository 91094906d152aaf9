"""Booking a lesson. The database makes double booking impossible; this service makes the
rules visible: validate everything, price it, re-check the slot under the instructor's row
lock and the student's own lessons, insert, then (outside any lock) authorize the card when
the lesson is < 24 h away.

No overlap, per instructor and per student, holds on both databases: on PostgreSQL two
exclusion constraints back the re-checks (and their violations are told apart); on SQLite the
re-checks are the rule, made safe by IMMEDIATE transactions that serialize writers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.accounts.models import Address, Learner, User
from apps.accounts.services import learner_create
from apps.availability.feeds.selectors import imported_busy_intervals
from apps.availability.selectors_public import (
    SlotChoice,
    offerings_of,
    open_slot_list,
    slot_busy_span,
    slot_choice_resolve,
    slot_instructor_get,
    slot_instructor_queryset,
)
from apps.availability.slots import BusyInterval
from apps.bookings import notices
from apps.bookings.holds import booking_live_hold, hold_release_replaced
from apps.bookings.models import Booking, BookingSeries
from apps.bookings.schedule import authorization_retry_at, money_clock
from apps.bookings.states import ACTIVE_STATUSES, BookingStatus, PaymentStatus
from apps.bookings.transitions import booking_event_add, booking_status_change, payment_status_change
from apps.catalog.models import AgeGroup
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.core.limits import money_operation
from apps.core.metrics import BOOKINGS_CREATED, PAYMENT_OPERATIONS
from apps.core.models import platform_config, platform_config_pinned
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.selectors import instructor_travels_to
from apps.instructors.states import Format
from apps.payments.actions import payment_action_open
from apps.payments.credits import credit_balance, credits_reserve
from apps.payments.gateway import Authorization, get_gateway
from apps.payments.locks import student_lock_active, student_locks_open
from apps.payments.models import PaymentMethod
from apps.payments.pricing import (
    CommissionOverride,
    CommissionRules,
    PriceBreakdown,
    commission_bps,
    price_breakdown,
)
from apps.search.generation import search_generation_bump

MAX_UNPAID_PENDING = 3
ALTERNATIVES = 3


class SlotUnavailable(Conflict):
    code = "slot_unavailable"


class StudentBusy(Conflict):
    """The student, not the instructor, already has an active lesson at that time."""

    code = "student_busy"

    def __init__(self) -> None:
        super().__init__("You already have a lesson at that time. Pick another time.")


# The PostgreSQL exclusion constraints (migrations/0002_no_overlap_constraints.py).
INSTRUCTOR_NO_OVERLAP = "booking_instructor_no_overlap"
STUDENT_NO_OVERLAP = "booking_student_no_overlap"


def student_busy_check(
    *, student: User, starts_at: datetime, ends_at: datetime, exclude_booking_id: int | None = None
) -> None:
    """Refuse a time overlapping one of the student's active lessons. Call inside the
    writing transaction: on SQLite that transaction is what serializes the check with the
    write; on PostgreSQL a concurrent overlap still meets the exclusion constraint."""
    overlapping = Booking.objects.filter(
        student=student, status__in=ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_booking_id is not None:
        overlapping = overlapping.exclude(pk=exclude_booking_id)
    if overlapping.exists():
        raise StudentBusy()


def overlap_conflict(exc: IntegrityError, *, slot_taken: Conflict) -> Conflict:
    """The domain error for an exclusion-constraint violation (a concurrent write won the
    time): the student's own lesson, or the instructor's time. Anything else is a bug."""
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if constraint == STUDENT_NO_OVERLAP:
        return StudentBusy()
    if constraint == INSTRUCTOR_NO_OVERLAP:
        return slot_taken
    raise exc


@dataclass(frozen=True)
class BookingRequest:
    instructor: str  # slug
    service: str
    format: str
    duration_minutes: int
    starts_at: datetime
    learner_id: int | None = None
    address_id: int | None = None
    payment_method_id: int | None = None


@dataclass(frozen=True)
class CheckedRequest:
    profile: InstructorProfile
    choice: SlotChoice
    learner: Learner | None
    location_text: str
    payment_method: PaymentMethod | None
    price: PriceBreakdown


def _completed_last_30_days(now: datetime) -> QuerySet[Booking]:
    """Lessons completed in the trailing 30 days (the commission tier), every instructor's."""
    return Booking.objects.filter(
        status=BookingStatus.COMPLETED,
        ends_at__gte=now - timedelta(days=30),
        ends_at__lte=now,
    )


def _bookable_profile(*, slug: str, actor: User, now: datetime) -> InstructorProfile | None:
    """The live instructor with everything the checks read, in one query (plus the offerings'
    prefetch): the studio's neighbourhood, the user the notices address, the lessons completed
    in 30 days (the commission tier) and whether the student's account is on hold."""
    completed = _completed_last_30_days(now).filter(instructor=OuterRef("pk")).order_by().values("instructor")
    return (
        slot_instructor_queryset()
        .select_related("studio_neighborhood", "user")
        .annotate(
            completed_30d=Coalesce(Subquery(completed.annotate(n=Count("pk")).values("n")), 0),
            student_locked=Exists(student_locks_open(user=actor)),
        )
        .filter(slug=slug)
        .first()
    )


def booking_price(
    *,
    profile: InstructorProfile,
    choice: SlotChoice,
    now: datetime,
    credits_available_cents: int = 0,
    completed_lessons_30d: int | None = None,
) -> PriceBreakdown:
    """The price of the lesson; `completed_lessons_30d` when the caller already counted them."""
    config = platform_config()
    rules = CommissionRules(
        base_bps=config.commission_base_bps, tier1_lessons=config.commission_tier1_lessons,
        tier1_bps=config.commission_tier1_bps, tier2_lessons=config.commission_tier2_lessons,
        tier2_bps=config.commission_tier2_bps, founding_bps=config.commission_founding_bps,
    )  # fmt: skip
    override = None
    if profile.commission_override_bps is not None:
        override = CommissionOverride(profile.commission_override_bps, profile.commission_override_expires_at)
    rate_bps = commission_bps(
        completed_lessons_30d=(
            _completed_last_30_days(now).filter(instructor=profile).count() if completed_lessons_30d is None else completed_lessons_30d
        ),
        is_founding=profile.is_founding,
        rules=rules, override=override, now=now,
    )  # fmt: skip
    hourly = choice.offering.rate_for(choice.format)
    assert hourly is not None  # slot_choice_resolve only returns offered formats
    return price_breakdown(
        hourly_rate_cents=hourly, duration_minutes=choice.duration, booking_fee_bps=config.booking_fee_bps,
        commission_rate_bps=rate_bps, credits_available_cents=credits_available_cents,
    )  # fmt: skip


def _location(actor: User, profile: InstructorProfile, choice: SlotChoice, address_id: int | None) -> str:
    if choice.format == Format.ONLINE:
        return "Online"
    if choice.format == Format.STUDIO:
        place = profile.studio_neighborhood
        return f"{profile.display_name}'s studio, {place.name}" if place else f"{profile.display_name}'s studio"
    address = (
        Address.objects.select_related("neighborhood__borough").filter(pk=address_id, user=actor).first()
        if address_id is not None
        else None
    )
    if address is None:
        message = "Add or choose the address for this lesson."
        raise ValidationFailed(message, fields={"address": [message]})
    if not instructor_travels_to(profile, address.neighborhood):
        message = f"{profile.display_name} doesn't travel to {address.neighborhood.name}."
        raise ValidationFailed(message, fields={"address": [message]})
    return f"{address.street} ({address.neighborhood.name})"


def offering_teaches(*, offering: Offering, age_group_id: str) -> bool:
    """Whether the offering teaches this age group (its age groups are usually prefetched by
    the slot selectors, so this reads them without a query)."""
    return any(group.pk == age_group_id for group in offering.age_groups.all())


def learner_fit_check(*, offering: Offering, learner: Learner) -> None:
    """A learner is booked only into an offering that teaches their age group (issue 15)."""
    if offering_teaches(offering=offering, age_group_id=learner.age_group_id):
        return
    taught = ", ".join(group.name.lower() for group in offering.age_groups.all()) or "no age group"
    message = (
        f"{offering.profile.display_name} teaches {offering.service.name.lower()} to {taught}, "
        f"not {learner.age_group.name.lower()}. Choose another learner or another lesson."
    )
    raise ValidationFailed(message, fields={"learner": [message]})


def booking_learner_add(
    *, actor: User, instructor: str, service: str | None, first_name: str, age_group: str
) -> Learner:
    """A child added from the booking sheet: saved to the family only when the lesson they
    are being booked into (`service`, else the instructor's first, as the sheet shows) teaches
    their age group; otherwise nothing is saved and the fit rule is said under the age group."""
    profile = slot_instructor_get(slug=instructor)
    offerings = offerings_of(profile) if profile is not None else []
    if not offerings:
        raise NotFound("Instructor not found.")
    offering = next((o for o in offerings if o.service.slug == service), None) if service else offerings[0]
    if offering is None:
        raise ValidationFailed("Choose a lesson this instructor teaches.", fields={"service": ["Choose a lesson."]})
    group = AgeGroup.objects.filter(slug=age_group).first()
    if group is not None:
        try:
            learner_fit_check(offering=offering, learner=Learner(parent=actor, first_name=first_name, age_group=group))
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, fields={"age_group": exc.fields["learner"]}) from exc
    return learner_create(actor=actor, first_name=first_name, age_group=age_group)


def booking_request_check(*, actor: User, request: BookingRequest, now: datetime) -> CheckedRequest:
    """Everything about a booking request except whether the slot is still free."""
    if not actor.is_student:
        raise PermissionDenied("Instructor accounts cannot book lessons. Use a student account.")
    profile = _bookable_profile(slug=request.instructor, actor=actor, now=now)
    # `student_locked` and `completed_30d` are annotations `_bookable_profile` adds to its one read.
    locked = profile.student_locked if profile is not None else student_lock_active(user=actor)  # type: ignore[attr-defined]
    if locked:
        raise PermissionDenied("Your account is on hold because a lesson payment failed. Contact us to sort it out.")
    if profile is None:
        raise NotFound("Instructor not found.")
    choice = slot_choice_resolve(
        profile, service=request.service, fmt=request.format, duration=request.duration_minutes
    )
    learner = None
    if request.learner_id is not None:
        learner = Learner.objects.filter(pk=request.learner_id, parent=actor).first()
        if learner is None:
            raise ValidationFailed(
                "Choose who the lesson is for.", fields={"learner": ["Choose one of your learners."]}
            )
        learner_fit_check(offering=choice.offering, learner=learner)
    method = None
    if request.payment_method_id is not None:
        method = PaymentMethod.objects.filter(pk=request.payment_method_id, user=actor).first()
        if method is None:
            raise ValidationFailed("Choose a saved card.", fields={"payment_method": ["Choose one of your cards."]})
    return CheckedRequest(
        profile=profile, choice=choice, learner=learner, location_text=_location(actor, profile, choice, request.address_id),
        payment_method=method,
        price=booking_price(
            profile=profile, choice=choice, now=now, credits_available_cents=credit_balance(user=actor, now=now),
            completed_lessons_30d=profile.completed_30d,  # type: ignore[attr-defined]
        ),
    )  # fmt: skip


def _nearest_open(profile: InstructorProfile, choice: SlotChoice, starts_at: datetime, now: datetime) -> list[datetime]:
    local_day = starts_at.astimezone(ZoneInfo(profile.timezone)).date()
    candidates = open_slot_list(
        profile=profile,
        choice=choice,
        date_from=local_day - timedelta(days=1),
        date_to=local_day + timedelta(days=1),
        now=now,
    )
    return sorted(candidates, key=lambda start: abs(start - starts_at))[:ALTERNATIVES]


def _slot_unavailable(
    profile: InstructorProfile, choice: SlotChoice, starts_at: datetime, now: datetime
) -> SlotUnavailable:
    nearest = sorted(_nearest_open(profile, choice, starts_at, now))
    return SlotUnavailable(
        "That time was just taken or is no longer open. Pick another time.",
        extra={"alternatives": [start.isoformat() for start in nearest]},
    )


def _insert(
    actor: User, request: BookingRequest, checked: CheckedRequest, now: datetime, request_key: str, week: SeriesWeek
) -> Booking:
    profile, choice, price = checked.profile, checked.choice, checked.price
    # The instructor's row lock serializes bookings per instructor, so the re-check below and
    # the insert are one step; on SQLite the IMMEDIATE transaction does the same.
    InstructorProfile.objects.select_for_update().filter(pk=profile.pk).values_list("pk").first()
    ends_at = request.starts_at + timedelta(minutes=choice.duration)
    local_day = request.starts_at.astimezone(ZoneInfo(profile.timezone)).date()
    nearby = _bookings_that_matter(actor, profile, local_day, request.starts_at, ends_at)
    if any(
        b.student_id == actor.pk
        and b.status in ACTIVE_STATUSES
        and b.starts_at < ends_at
        and b.ends_at > request.starts_at
        for b in nearby
    ):
        raise StudentBusy()
    span_start, span_end = slot_busy_span(profile, local_day, local_day)
    busy = [
        BusyInterval(b.starts_at, b.ends_at, b.is_travel)
        for b in nearby
        if b.instructor_id == profile.pk and b.status in ACTIVE_STATUSES
    ] + imported_busy_intervals(instructor_id=profile.pk, start=span_start, end=span_end)
    if request.starts_at not in open_slot_list(
        profile=profile, choice=choice, date_from=local_day, date_to=local_day, now=now, busy=busy
    ):
        raise _slot_unavailable(profile, choice, request.starts_at, now)
    if sum(b.student_id == actor.pk and b.status == BookingStatus.PENDING for b in nearby) >= MAX_UNPAID_PENDING:
        raise Conflict("You have 3 bookings waiting for payment. Finish or cancel one first.")
    buffer = profile.travel_buffer_minutes if choice.is_travel else profile.buffer_minutes
    far_ahead = request.starts_at - now >= money_clock().authorize_before
    return Booking.objects.create(
        student=actor, learner=checked.learner, instructor=profile, offering=choice.offering,
        service_name=choice.offering.service.name, format=choice.format, duration_minutes=choice.duration,
        starts_at=request.starts_at, ends_at=ends_at, blocked_until=ends_at + timedelta(minutes=buffer),
        student_timezone=actor.timezone, instructor_timezone=profile.timezone, location_text=checked.location_text,
        status=BookingStatus.CONFIRMED if far_ahead else BookingStatus.PENDING,
        payment_status=PaymentStatus.SCHEDULED, hourly_rate_cents=price.hourly_rate_cents,
        lesson_price_cents=price.lesson_price_cents, booking_fee_cents=price.booking_fee_cents,
        credits_applied_cents=price.credits_applied_cents, total_cents=price.total_cents,
        commission_bps=price.commission_bps, instructor_net_cents=price.instructor_net_cents, booked_at=now,
        payment_method=checked.payment_method, request_key=request_key, series=week.series, series_week=week.week,
    )  # fmt: skip


def _bookings_that_matter(
    actor: User, profile: InstructorProfile, local_day: date, starts_at: datetime, ends_at: datetime
) -> list[Booking]:
    """One read for the three checks under the lock: the instructor's active bookings around
    the day (the slot re-check), the student's active ones overlapping the lesson (busy), and
    the student's unpaid pending ones (at most MAX_UNPAID_PENDING)."""
    span_start, span_end = slot_busy_span(profile, local_day, local_day)
    return list(
        Booking.objects.filter(
            Q(instructor=profile, status__in=ACTIVE_STATUSES, starts_at__lt=span_end, ends_at__gt=span_start)
            | Q(student=actor, status__in=ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at)
            | Q(student=actor, status=BookingStatus.PENDING)
        ).only("instructor_id", "student_id", "status", "starts_at", "ends_at", "format")
    )


def _resume(booking: Booking, actor: User, now: datetime) -> Booking:
    """The booking a request key already made: finish what its request may not have (the
    authorization of a lesson < 24 h away; same provider key, so never a second hold)."""
    if booking.status == BookingStatus.PENDING and booking.payment_status == PaymentStatus.SCHEDULED:
        booking_authorize(booking_id=booking.pk, actor=actor, now=now)
        booking.refresh_from_db()
    return booking


@money_operation
def booking_create(*, actor: User, request: BookingRequest, now: datetime, request_key: str | None = None) -> Booking:
    """Book a lesson. `request_key` is the client's Idempotency-Key: a request repeated after
    the first died mid-way (after its booking was saved) gets that booking back."""
    if request_key:
        made = Booking.objects.filter(student=actor, request_key=request_key).first()
        if made is not None:
            return _resume(made, actor, now)
    with platform_config_pinned():
        checked = booking_request_check(actor=actor, request=request, now=now)
        _require_card(checked)
        try:
            with transaction.atomic():
                booking = _insert(actor, request, checked, now, request_key or "", SeriesWeek())
                _record_created(booking, actor, now, SeriesWeek())
        except IntegrityError as exc:
            # PostgreSQL: a concurrent booking took the time first. Caught outside the
            # transaction (rolled back whole: no savepoint round trips around the insert), so
            # the nearby open times can still be read for the answer.
            raise _overlap(exc, checked, request, now) from exc
        return booking_authorize_if_due(booking=booking, actor=actor, now=now)


@dataclass(frozen=True)
class SeriesWeek:
    """Which week of a weekly series a booking is (none: a one-off lesson)."""

    series: BookingSeries | None = None
    week: int | None = None


def booking_insert(
    *,
    actor: User,
    request: BookingRequest,
    checked: CheckedRequest,
    now: datetime,
    request_key: str = "",
    week: SeriesWeek = SeriesWeek(),
) -> Booking:
    """One week of a weekly series: the booking, its credits, its event and its confirmation,
    inside the caller's transaction (which books the other weeks too), under a savepoint so a
    week another booking took first is refused without spoiling the others. Then call
    `booking_authorize_if_due` after the commit."""
    _require_card(checked)
    try:
        with transaction.atomic():
            booking = _insert(actor, request, checked, now, request_key, week)
    except IntegrityError as exc:
        raise _overlap(exc, checked, request, now) from exc
    _record_created(booking, actor, now, week)
    return booking


def _require_card(checked: CheckedRequest) -> None:
    if checked.payment_method is None:
        raise ValidationFailed("Add a card to book.", fields={"payment_method": ["Choose or add a card."]})


def _overlap(exc: IntegrityError, checked: CheckedRequest, request: BookingRequest, now: datetime) -> Conflict:
    return overlap_conflict(exc, slot_taken=_slot_unavailable(checked.profile, checked.choice, request.starts_at, now))


def _record_created(booking: Booking, actor: User, now: datetime, week: SeriesWeek) -> None:
    if booking.credits_applied_cents:
        # Same transaction as the insert: a booking never exists without its credits.
        credits_reserve(user=actor, booking=booking, amount_cents=booking.credits_applied_cents, now=now)
    series_note = f" (week {week.week + 1} of a weekly series)" if week.week is not None else ""
    booking_event_add(
        booking=booking, kind="created", actor=actor, now=now, to_status=booking.status,
        reason=f"Booked {booking.service_name}{series_note}", amount_cents=booking.total_cents,
    )  # fmt: skip
    if booking.status == BookingStatus.CONFIRMED:
        notices.booking_confirmed(booking, now=now)
    transaction.on_commit(search_generation_bump)
    transaction.on_commit(BOOKINGS_CREATED.inc)


def booking_authorize_if_due(*, booking: Booking, actor: User, now: datetime) -> Booking:
    """After the insert's commit, outside any lock: a lesson < 24 h away (pending) is
    authorized at once; one further ahead waits for the authorization sweep at T−24 h."""
    if booking.status == BookingStatus.PENDING:
        booking_authorize(booking_id=booking.pk, actor=actor, now=now)
        booking.refresh_from_db()
    return booking


def booking_authorize(*, booking_id: int, actor: User | None, now: datetime) -> Booking:
    """Authorize (hold, not charge) the lesson's total on the saved card. The gateway call
    happens outside any row lock; its idempotency key is derived from the booking and the
    attempt so a retried call cannot place a second hold."""
    booking = Booking.objects.select_related("payment_method", "student__payment_customer").get(pk=booking_id)
    if booking.payment_method is None:
        raise ValidationFailed("Add a card to pay for this lesson.", fields={"payment_method": ["Choose a card."]})
    attempt = booking.events.filter(kind="payment", reason__startswith="authorization").count()
    result = get_gateway().authorize(
        customer_id=booking.student.payment_customer.provider_id,
        card_id=booking.payment_method.provider_id,
        amount_cents=booking.total_cents,
        idempotency_key=f"authorize:{booking.public_id}:{booking.payment_method.pk}:{attempt}",
        now=now,
    )
    stale_hold = replaced_hold = ""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("instructor", "student").get(pk=booking_id)
        if booking.payment_status not in AUTHORIZABLE:
            # Settled meanwhile (cancelled, expired, or another worker authorized it): the new
            # hold is not needed; release it after the commit.
            stale_hold = result.intent_id if result.status == "authorized" else ""
        elif result.status == "authorized":
            replaced_hold = _authorization_succeeded(booking, result, actor, now)
        else:
            _authorization_failed(booking, actor, now, code=result.decline_code or result.status)
            if result.status == "requires_action":  # the bank wants the student: 3-D Secure
                payment_action_open(booking=booking, intent_id=result.intent_id, now=now)
    if stale_hold and stale_hold != booking.payment_intent_id:
        get_gateway().release(intent_id=stale_hold, idempotency_key=f"release-unneeded:{stale_hold}", now=now)
    # The new hold replaced one on the old card (a charge had failed on it): cancel that one.
    hold_release_replaced(old_intent_id=replaced_hold, new_intent_id=result.intent_id, now=now)
    return booking


AUTHORIZABLE = frozenset({PaymentStatus.SCHEDULED, PaymentStatus.PAYMENT_METHOD_REQUIRED})
AUTHENTICATION_REQUIRED = "authentication_required"  # told by payment_action_open instead


def _authorization_succeeded(booking: Booking, result: Authorization, actor: User | None, now: datetime) -> str:
    """Record the hold; returns the live hold it replaces ("" when none)."""
    was_failing = booking.payment_status == PaymentStatus.PAYMENT_METHOD_REQUIRED
    PAYMENT_OPERATIONS.labels(operation="authorization", outcome="succeeded").inc()
    replaced = booking_live_hold(booking, now)
    booking.payment_intent_id, booking.authorized_at = result.intent_id, now
    booking.authorization_expires_at = result.expires_at
    booking.payment_attempts, booking.payment_problem_since, booking.payment_retry_at = 0, None, None
    payment_status_change(
        booking=booking, to=PaymentStatus.AUTHORIZED, actor=actor, now=now, reason="authorization succeeded",
        amount_cents=booking.total_cents,
        extra_fields=(
            "payment_intent_id", "authorized_at", "authorization_expires_at", "payment_attempts",
            "payment_problem_since", "payment_retry_at",
        ),
    )  # fmt: skip
    if booking.status == BookingStatus.PENDING:
        booking_status_change(
            booking=booking, to=BookingStatus.CONFIRMED, actor=actor, now=now, reason="card authorized"
        )
        notices.booking_confirmed(booking, now=now)
    elif was_failing and booking.status == BookingStatus.CONFIRMED:
        notices.authorization_fixed(booking, now=now)
    return replaced


def _authorization_failed(booking: Booking, actor: User | None, now: datetime, *, code: str) -> None:
    """Before the lesson: retry 1 h and 4 h after the first failure, then every 8 h, and
    tell the student each time (not at checkout, where they see it on the page)."""
    clock = money_clock()
    PAYMENT_OPERATIONS.labels(operation="authorization", outcome="failed").inc()
    booking.payment_attempts += 1
    booking.payment_problem_since = booking.payment_problem_since or now
    booking.payment_retry_at = authorization_retry_at(
        clock, first_failed_at=booking.payment_problem_since, failures=booking.payment_attempts
    )
    fields = ("payment_attempts", "payment_problem_since", "payment_retry_at")
    if booking.payment_status != PaymentStatus.PAYMENT_METHOD_REQUIRED:
        payment_status_change(
            booking=booking, to=PaymentStatus.PAYMENT_METHOD_REQUIRED, actor=actor, now=now,
            reason=f"authorization failed: {code}", extra_fields=fields,
        )  # fmt: skip
    else:
        booking.save(update_fields=[*fields, "updated_at"])
        booking_event_add(booking=booking, kind="payment", actor=actor, now=now, reason=f"authorization failed: {code}")
    if booking.status == BookingStatus.CONFIRMED and booking.starts_at > now and code != AUTHENTICATION_REQUIRED:
        deadline = booking.starts_at - clock.auth_cancel_before
        notices.authorization_failed(booking, retry_at=booking.payment_retry_at, deadline=deadline, now=now)


def booking_authorization_failed(*, booking_id: int, now: datetime, code: str) -> Booking:
    """Record a failed attempt that never reached the provider (e.g. the card was removed)."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("instructor", "student").get(pk=booking_id)
        if booking.payment_status in AUTHORIZABLE:
            _authorization_failed(booking, None, now, code=code)
    return booking


@transaction.atomic
def _switch_card(actor: User, booking_id: int, payment_method_id: int, now: datetime) -> Booking:
    booking = Booking.objects.select_for_update().filter(pk=booking_id, student=actor).first()
    if booking is None:
        raise NotFound("Booking not found.")
    method = PaymentMethod.objects.filter(pk=payment_method_id, user=actor).first()
    if method is None:
        raise ValidationFailed("Choose a saved card.", fields={"payment_method": ["Choose one of your cards."]})
    # A card is needed while the payment is still ahead (scheduled), or whenever an
    # authorization or a charge failed (also after the lesson, when the charge is retried).
    upcoming = booking.status in {BookingStatus.PENDING, BookingStatus.CONFIRMED}
    if booking.payment_status != PaymentStatus.PAYMENT_METHOD_REQUIRED and not (
        upcoming and booking.payment_status == PaymentStatus.SCHEDULED
    ):
        raise Conflict("The card for this lesson can no longer be changed.")
    booking.payment_method = method
    booking.save(update_fields=["payment_method", "updated_at"])
    booking_event_add(booking=booking, kind="payment", actor=actor, now=now, reason=f"card changed to {method}")
    return booking


@money_operation
def booking_payment_method_change(*, actor: User, booking_id: int, payment_method_id: int, now: datetime) -> Booking:
    """Use another card; when the lesson needs an authorization now (it is < 24 h away, or an
    earlier attempt failed), try it at once."""
    booking = _switch_card(actor, booking_id, payment_method_id, now)
    if (
        booking.payment_status == PaymentStatus.PAYMENT_METHOD_REQUIRED
        or booking.starts_at - now < money_clock().authorize_before
    ):
        return booking_authorize(booking_id=booking.pk, actor=actor, now=now)
    return booking


def booking_authorization_refresh(*, booking_id: int, intent_id: str, actor: User | None, now: datetime) -> Booking:
    """An authorization that waited for the student's bank (3-D Secure) is looked up again:
    once the provider holds the money, the booking is authorized as if it had succeeded at
    once. Idempotent: the confirmation page and the provider's webhook may both call it."""
    result = get_gateway().authorization_get(intent_id=intent_id, now=now)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("instructor", "student").get(pk=booking_id)
        unneeded = result.status == "authorized" and booking.payment_status not in AUTHORIZABLE
        if result.status == "authorized" and not unneeded:
            _authorization_succeeded(booking, result, actor, now)
    if unneeded and booking.payment_intent_id != intent_id:  # settled meanwhile: give the hold back
        get_gateway().release(intent_id=intent_id, idempotency_key=f"release-unneeded:{intent_id}", now=now)
    return booking
