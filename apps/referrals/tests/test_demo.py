"""The demo has a referral in every state, the same for the same seed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction

from apps.core.demo import demo_seed
from apps.payments.models import Earning
from apps.referrals.models import Referral, ReferralCode, Reward

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
STUDENT1, STUDENT2 = "student1@demo.instainstru.test", "student2@demo.instainstru.test"


def _seeded() -> dict[str, list[Any]]:
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        demo_seed(instructors=40, seed=7)
        found: dict[str, list[Any]] = {
            "referrals": list(
                Referral.objects.order_by("attributed_at", "id").values_list(
                    "referrer__email", "referred__first_name", "kind", "status", "note"
                )
            ),
            "rewards": list(
                Reward.objects.order_by("earned_at", "side").values_list(
                    "user__email", "side", "status", "amount_cents", "referral__referred__first_name"
                )
            ),
            "frozen": list(ReferralCode.objects.filter(frozen_at__isnull=False).values_list("user__email", flat=True)),
            "earnings": list(
                Earning.objects.filter(kind="referral").values_list("instructor__user__email", "amount_cents")
            ),
        }
        transaction.set_rollback(True)
    return found


def test_the_demo_has_a_referral_in_each_state_deterministically() -> None:
    found = _seeded()
    mine = {(name, side): status for email, side, status, _, name in found["rewards"] if email == STUDENT1}
    assert mine == {
        ("Ava", "referrer"): "expired",
        ("Ben", "referrer"): "unlocked",
        ("Cara", "referrer"): "voided",
        ("Dev", "referrer"): "pending",
    }
    statuses = {status for _, _, status, _, _ in found["rewards"]}
    assert statuses == {"pending", "frozen", "unlocked", "expired", "voided"}
    assert ("student2@demo.instainstru.test", "referrer", "frozen", 2000, "Fay") in found["rewards"]
    assert found["frozen"] == [STUDENT2]
    referrals = {(r[0], r[1]): (r[2], r[3]) for r in found["referrals"]}
    assert referrals[(STUDENT1, "Eli")] == ("student", "signed_up")
    assert (STUDENT1, "Ava") in referrals
    assert next(r for r in found["referrals"] if r[3] == "rejected")[4] == "Same email as the referrer."
    instructor_rewards = [r for r in found["rewards"] if r[2] != "referred" and r[0].startswith("instructor1@")]
    assert [(r[2], r[3]) for r in instructor_rewards] == [("unlocked", 7500)]
    assert found["earnings"] == [("instructor1@demo.instainstru.test", 7500)]
    assert _seeded() == found
