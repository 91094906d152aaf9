"""Staff edit the platform configuration in the admin: values out of range or fields that
contradict each other get form errors and change nothing; a valid edit saves, refreshes what
the code reads, and leaves one audit entry with the changed values before and after."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.forms.models import model_to_dict
from django.test import Client

from apps.accounts.models import User
from apps.audit.models import AuditEntry
from apps.core.models import PlatformConfig, platform_config

pytestmark = pytest.mark.django_db
URL = "/admin/core/platformconfig/1/change/"


@pytest.fixture(autouse=True)
def _config_row() -> None:
    PlatformConfig().save()  # the defaults, as the first platform_config() call stores them


@pytest.fixture
def desk(client: Client, staff: User) -> Client:
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})  # the admin wants 2FA
    client.force_login(staff)
    return client


def _form(**changes: Any) -> dict[str, Any]:
    values = model_to_dict(platform_config(), exclude=["id"])
    return {**values, "reason": "Pricing review", **changes}


def _stored() -> dict[str, Any]:
    return model_to_dict(PlatformConfig.objects.get(pk=1))


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"booking_fee_bps": 10_001}, {"booking_fee_bps": ["Basis points run from 0 to 10,000 (100%)."]}),
        ({"commission_tier2_lessons": 5}, {"commission_tier2_lessons": ["Tier 2 needs more completed lessons than tier 1."]}),
        ({"commission_tier1_bps": 1600}, {"commission_tier1_bps": ["Tier 1 cannot charge more commission than the base rate."]}),
        ({"cancel_late_hours": 24}, {"cancel_free_hours": ["The very-late window must be shorter than the free-cancellation window."]}),
        ({"max_rate_cents": 7000}, {"max_rate_cents": ["The ceiling must be above the floors."]}),
        ({"payout_weekday": 7}, {"payout_weekday": ["Ensure this value is less than or equal to 6."]}),
        ({"booking_fee_bps": -1}, {"booking_fee_bps": ["Ensure this value is greater than or equal to 0."]}),
        ({"reason": ""}, {"reason": ["This field is required."]}),
    ],
)  # fmt: skip
def test_invalid_values_get_form_errors_and_change_nothing(desk, changes, errors) -> None:
    before = _stored()
    response = desk.post(URL, _form(**changes))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    assert _stored() == before
    assert AuditEntry.objects.count() == 0


def test_a_valid_edit_saves_and_is_audited_with_before_and_after(desk, staff) -> None:
    response = desk.post(URL, _form(booking_fee_bps=1000, commission_tier2_lessons=12))
    assert (response.status_code, response["Location"]) == (302, "/admin/core/platformconfig/")
    config = platform_config()  # the cached copy was dropped: the code reads the new values
    assert (config.booking_fee_bps, config.commission_tier2_lessons) == (1000, 12)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_type, entry.target_id, entry.reason) == (
        "config.edit", staff, "core.platformconfig", "1", "Pricing review",
    )  # fmt: skip
    assert entry.before == {"booking_fee_bps": 1200, "commission_tier2_lessons": 11}
    assert entry.after == {"booking_fee_bps": 1000, "commission_tier2_lessons": 12}


def test_only_staff_reach_the_configuration(client: Client, student: User) -> None:
    client.force_login(student)
    before = _stored()
    response = client.post(URL, _form(booking_fee_bps=0))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert _stored() == before
    assert AuditEntry.objects.count() == 0
