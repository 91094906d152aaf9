"""The audit trail: written by the services (one entry per staff action, with who, what,
before/after, why and the request id), readable by staff in the admin, changeable by nobody,
not even through SQL on PostgreSQL. And the staff actions on users and instructors."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import DatabaseError, connection, transaction
from django.forms import SplitDateTimeField
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import user_lock
from apps.accounts.tests.factories import StaffFactory, StudentFactory
from apps.audit.models import AuditEntry
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.core.errors import Conflict, PermissionDenied, ValidationFailed
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import live_instructor
from apps.payments.credits import credit_balance, credit_staff_revoke
from apps.search.generation import search_generation

pytestmark = pytest.mark.django_db
USERS = "/admin/accounts/user/"
INSTRUCTORS = "/admin/instructors/instructorprofile/"
AUDIT = "/admin/audit/auditentry/"


@pytest.fixture
def ops(staff: User) -> User:
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return staff


@pytest.fixture
def desk(client: Client, ops: User) -> Client:
    client.force_login(ops)
    return client


def _act(client: Client, url: str, action: str, rows: list[Any], **data: str) -> Any:
    body = {"action": action, ACTION_CHECKBOX_NAME: [row.pk for row in rows], "apply": "1", **data}
    return client.post(url, body, follow=True)


def _audit() -> list[tuple[str, int | None, str, str, str]]:
    rows = AuditEntry.objects.order_by("id").values_list("action", "actor_id", "target_type", "target_id", "reason")
    return list(rows)


def _entry(ops: User, target: User) -> AuditEntry:
    return audit_record(
        actor=ops, action=AuditAction.USER_LOCK, target=target, now=timezone.now(), reason="Fraud",
        before={"is_active": True}, after={"is_active": False},
    )  # fmt: skip


def test_an_entry_is_never_changed_or_deleted(ops, student) -> None:
    entry = _entry(ops, student)
    assert (entry.action, entry.actor_email, entry.target_type, entry.target_id, entry.request_id) == (
        "user.lock", ops.email, "accounts.user", str(student.pk), ""  # no request: a shell or a task
    )  # fmt: skip
    entry.reason = "Changed"
    with pytest.raises(Conflict):
        entry.save()
    with pytest.raises(Conflict):
        entry.delete()
    # Behind the model's back, the database refuses too.
    for sql in ("UPDATE audit_auditentry SET reason = 'x'", "DELETE FROM audit_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get().reason == "Fraud"


def test_an_unknown_action_is_refused_by_the_database(ops, student) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.create(at=timezone.now(), action="made.up", target_type="x", target_id="1")


def test_deleting_the_actors_account_keeps_the_entry(ops, student) -> None:
    _entry(ops, student)
    other = StaffFactory.create(email="gone@example.com")
    audit_record(actor=other, action=AuditAction.USER_UNLOCK, target=student, now=timezone.now(), reason="x")
    other.delete()
    assert list(AuditEntry.objects.order_by("id").values_list("actor_id", "actor_email")) == [
        (ops.pk, ops.email), (None, "gone@example.com")
    ]  # fmt: skip


def test_staff_read_the_trail_and_nobody_edits_it(client, desk, ops, student, django_assert_max_num_queries) -> None:
    for _ in range(5):
        _entry(ops, student)
    entry = AuditEntry.objects.first()
    assert entry is not None
    with django_assert_max_num_queries(10):
        listing = desk.get(AUDIT)
    assert listing.status_code == 200
    assert len(listing.context["cl"].result_list) == 5
    page = desk.get(f"{AUDIT}{entry.pk}/change/")
    assert page.status_code == 200
    assert b"Fraud" in page.content
    assert desk.post(f"{AUDIT}{entry.pk}/change/", {"reason": "edited"}).status_code == 403
    assert desk.post(f"{AUDIT}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert desk.get(f"{AUDIT}add/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).reason == "Fraud"
    client.force_login(student)
    assert client.get(AUDIT).headers["Location"].startswith("/admin/login/")


def test_lock_and_unlock_an_account_with_a_reason(desk, ops, student) -> None:
    done = _act(desk, USERS, "lock", [student], reason="Chargeback fraud")
    assert [str(m) for m in done.context["messages"]] == ["Lock accounts: 1 done."]
    student.refresh_from_db()
    assert student.is_active is False
    # A locked account's session stops working.
    locked = Client()
    locked.force_login(student)
    assert locked.get("/account/notifications/").status_code in {302, 404}
    _act(desk, USERS, "unlock", [student], reason="Resolved with the bank")
    student.refresh_from_db()
    assert student.is_active is True
    assert _audit() == [
        ("user.lock", ops.pk, "accounts.user", str(student.pk), "Chargeback fraud"),
        ("user.unlock", ops.pk, "accounts.user", str(student.pk), "Resolved with the bank"),
    ]


def test_staff_cannot_lock_themselves_and_others_cannot_lock_anyone(desk, ops, student, other_student) -> None:
    refused = _act(desk, USERS, "lock", [ops], reason="Oops")
    assert [str(m) for m in refused.context["messages"]] == [f"{ops}: You cannot lock or unlock your own account."]
    with pytest.raises(PermissionDenied):
        user_lock(actor=student, user_id=other_student.pk, reason="x", now=timezone.now())
    assert _audit() == []


def test_grant_and_revoke_credit_with_the_ledger(desk, ops, student) -> None:
    now = timezone.now()
    blank = _act(desk, USERS, "grant_credit", [student], reason="Goodwill", amount="")
    assert "amount" in blank.context["form"].errors
    _act(desk, USERS, "grant_credit", [student], reason="Goodwill after a late start", amount="25.00")
    assert credit_balance(user=student, now=now) == 2500
    too_much = _act(desk, USERS, "revoke_credit", [student], reason="Error", amount="30.00")
    assert [str(m) for m in too_much.context["messages"]] == [f"{student}: The user has only $25 of credit."]
    _act(desk, USERS, "revoke_credit", [student], reason="Granted twice by mistake", amount="10.00")
    assert credit_balance(user=student, now=now) == 1500
    assert [(row[0], row[4]) for row in _audit()] == [
        ("credit.grant", "Goodwill after a late start"), ("credit.revoke", "Granted twice by mistake"),
    ]  # fmt: skip
    assert [entry.after for entry in AuditEntry.objects.order_by("id")][1] == {"credit_cents": 1500}
    ledger = desk.get("/admin/payments/creditentry/", {"q": student.email})
    assert [row.kind for row in ledger.context["cl"].result_list] == ["revoke", "grant"]
    with pytest.raises(ValidationFailed):
        credit_staff_revoke(actor=ops, user_id=student.pk, amount_cents=1, reason=" ", now=now)


def test_suspend_and_reinstate_an_instructor(desk, ops, catalog, django_capture_on_commit_callbacks) -> None:
    profile = live_instructor()
    generation = search_generation()
    with django_capture_on_commit_callbacks(execute=True):
        asked = _act(desk, INSTRUCTORS, "suspend", [profile], reason="")
        assert asked.context["form"].errors == {"reason": ["This field is required."]}
        _act(desk, INSTRUCTORS, "suspend", [profile], reason="Safety complaint under review")
    profile.refresh_from_db()
    assert profile.status == "suspended"
    assert search_generation() == generation + 1
    with django_capture_on_commit_callbacks(execute=True):
        _act(desk, INSTRUCTORS, "reinstate", [profile], reason="Complaint unfounded")
    profile.refresh_from_db()
    # No offering yet, so a go-live step is missing: back to onboarding, not live.
    assert profile.status == "onboarding"
    assert [(row[0], row[4]) for row in _audit()] == [
        ("instructor.suspend", "Safety complaint under review"), ("instructor.reinstate", "Complaint unfounded"),
    ]  # fmt: skip
    assert AuditEntry.objects.order_by("id").last().after == {"status": "onboarding"}  # type: ignore[union-attr]


def test_a_staff_edit_is_audited_and_refreshes_search(desk, ops, django_capture_on_commit_callbacks) -> None:
    at = timezone.now().replace(microsecond=0)  # what the admin's date/time widgets show and send back
    profile = live_instructor(
        is_founding=False,
        identity_verified_at=at,
        background_check_passed_at=at,
        payouts_connected_at=at,
        went_live_at=at,
    )
    generation = search_generation()
    page = desk.get(f"{INSTRUCTORS}{profile.pk}/change/")
    assert page.status_code == 200
    assert b"What blocks going live" in page.content
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name)
        if isinstance(field, SplitDateTimeField) and value is not None:  # the admin's date + time inputs
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
        elif value is not None:
            data[name] = value
    data.update({
        "is_founding": "on", "commission_override_bps": "1000", "user": str(profile.user_id),
        "offerings-TOTAL_FORMS": "0", "offerings-INITIAL_FORMS": "0",
        "service_areas-TOTAL_FORMS": "0", "service_areas-INITIAL_FORMS": "0",
    })  # fmt: skip
    data = {key: ("on" if value is True else value) for key, value in data.items() if value is not False}
    with django_capture_on_commit_callbacks(execute=True):
        saved = desk.post(f"{INSTRUCTORS}{profile.pk}/change/", data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    profile.refresh_from_db()
    assert (profile.is_founding, profile.commission_override_bps) == (True, 1000)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_id) == ("instructor.edit", ops.pk)
    assert entry.before == {"is_founding": False, "commission_override_bps": None}
    assert entry.after == {"is_founding": True, "commission_override_bps": 1000}
    assert search_generation() == generation + 1


def test_the_people_lists_cost_a_fixed_number_of_queries(desk, django_assert_max_num_queries) -> None:
    for n in range(6):
        StudentFactory.create(email=f"s{n}@example.com")
        live_instructor()
    for url in (USERS, INSTRUCTORS, "/admin/payments/creditentry/", "/admin/payments/payout/", "/admin/"):
        with django_assert_max_num_queries(14):
            assert desk.get(url).status_code == 200, url
    assert InstructorProfile.objects.count() == 6
