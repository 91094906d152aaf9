"""What the matrix checks around each request: that a refused request wrote nothing, and that a
let-in write touched only the caller's own rows and none of the fields a caller never sets
(mass assignment)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet

from apps.accounts.models import Address, Learner, User
from apps.availability.models import BlackoutDate, ImportedCalendar
from apps.bookings.models import Booking, BookingSeries, CalendarFeed
from apps.instructors.models import InstructorProfile, Offering
from apps.media.models import BackgroundCheckDocument, Upload
from apps.messaging.models import Conversation, Message
from apps.payments.models import PaymentMethod


def writes_so_far() -> dict[str, int]:
    """Rows inserted, updated or deleted so far in this transaction, per table (PostgreSQL
    counts them per transaction, savepoints included). Sessions are left out: reading a page
    may save one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname <> 'django_session' AND n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return dict(cursor.fetchall())


@dataclass(frozen=True)
class Guarded:
    """A model whose rows belong to users: `owners` names the owning user ids of a row, and
    `fixed` the fields its owner may not set through any route."""

    name: str
    rows: Callable[[], QuerySet[Any]]
    owners: Callable[[Any], Iterable[int]]
    fixed: frozenset[str]


def _fields(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


GUARDED = (
    Guarded("user", lambda: User.objects.all(), lambda u: [u.pk],
            frozenset({"role", "is_staff", "is_superuser", "is_active", "email"})),
    Guarded("profile", lambda: InstructorProfile.objects.all(), lambda p: [p.user_id],
            frozenset({"user_id", "status", "identity_verified_at", "background_check_passed_at",
                       "payouts_connected_at", "is_founding", "commission_override_bps",
                       "commission_override_expires_at"})),
    Guarded("offering", lambda: Offering.objects.select_related("profile"), lambda o: [o.profile.user_id],
            frozenset({"profile_id"})),
    Guarded("blackout", lambda: BlackoutDate.objects.select_related("instructor"),
            lambda b: [b.instructor.user_id], frozenset({"instructor_id"})),
    Guarded("imported_calendar", lambda: ImportedCalendar.objects.select_related("instructor"),
            lambda c: [c.instructor.user_id], frozenset({"instructor_id", "url"})),
    Guarded("learner", lambda: Learner.objects.all(), lambda x: [x.parent_id], frozenset({"parent_id"})),
    Guarded("address", lambda: Address.objects.all(), lambda a: [a.user_id], frozenset({"user_id"})),
    Guarded("card", lambda: PaymentMethod.objects.all(), lambda c: [c.user_id], frozenset({"user_id"})),
    Guarded("booking", lambda: Booking.objects.select_related("instructor"),
            lambda b: [b.student_id, b.instructor.user_id],
            frozenset({"student_id", "instructor_id", "status", "payment_status", "starts_at", "hourly_rate_cents",
                       "lesson_price_cents", "total_cents"})),
    Guarded("series", lambda: BookingSeries.objects.select_related("instructor"),
            lambda s: [s.student_id, s.instructor.user_id],
            frozenset({"student_id", "instructor_id", "offering_id", "status"})),
    Guarded("document", lambda: BackgroundCheckDocument.objects.all(), lambda d: [d.instructor_id],
            frozenset({"instructor_id", "status", "reviewed_by_id", "reviewed_at", "valid_until"})),
    Guarded("upload", lambda: Upload.objects.all(), lambda u: [u.owner_id], frozenset({"owner_id"})),
    Guarded("feed", lambda: CalendarFeed.objects.all(), lambda f: [f.user_id], frozenset({"user_id"})),
    Guarded("conversation", lambda: Conversation.objects.all(), lambda c: [c.student_id, c.instructor_id],
            frozenset({"student_id", "instructor_id"})),
    Guarded("message", lambda: Message.objects.select_related("conversation"),
            lambda m: [m.conversation.student_id, m.conversation.instructor_id],
            frozenset({"conversation_id", "sender_id"})),
)  # fmt: skip

Snapshot = dict[tuple[str, object], tuple[frozenset[int], dict[str, Any]]]


def snapshot() -> Snapshot:
    rows: Snapshot = {}
    for guarded in GUARDED:
        for row in guarded.rows():
            values = {name: getattr(row, name) for name in _fields(type(row))}
            rows[(guarded.name, row.pk)] = (frozenset(guarded.owners(row)), values)
    return rows


def mass_assignment_problems(
    before: Snapshot, after: Snapshot, *, actor_id: int, changes: frozenset[str], injected: dict[str, Any]
) -> list[str]:
    """What a let-in write did beyond its caller's own rows and settable fields."""
    fixed = {g.name: g.fixed for g in GUARDED}
    problems = []
    for key in sorted(before.keys() | after.keys(), key=str):
        old, new = before.get(key), after.get(key)
        owners = (old or new)[0]  # type: ignore[index]  # one of them exists
        if actor_id not in owners:
            if old != new:
                problems.append(f"someone else's {key} changed: {old} -> {new}")
            continue
        for name in sorted(fixed[key[0]] - {c.split(".", 1)[1] for c in changes if c.startswith(f"{key[0]}.")}):
            if old is not None and new is not None and old[1][name] != new[1][name]:
                problems.append(f"own {key}.{name} changed: {old[1][name]!r} -> {new[1][name]!r}")
            if old is None and new is not None and name in injected and new[1][name] == injected[name]:
                problems.append(f"new {key}.{name} took the injected {injected[name]!r}")
    return problems
