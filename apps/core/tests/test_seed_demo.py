from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.models import Learner, Role, User
from apps.catalog.models import Service

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple[str, str, str, str]]:
    return list(User.objects.order_by("email").values_list("email", "first_name", "last_name", "role"))


def test_seed_demo_is_deterministic_for_a_seed(capsys) -> None:
    call_command("seed_demo", instructors=30, seed=7)
    first = _snapshot()
    assert User.objects.filter(role=Role.INSTRUCTOR).count() == 30
    assert User.objects.filter(role=Role.STUDENT, is_staff=False).count() == 5
    assert User.objects.filter(is_staff=True).count() == 1
    assert EmailAddress.objects.filter(verified=True).count() == User.objects.count()
    assert Learner.objects.count() == 2
    assert Service.objects.exists()
    assert User.objects.get(email="instructor1@demo.instainstru.test").check_password("instainstru-demo")
    User.objects.all().delete()
    call_command("seed_demo", instructors=30, seed=7)
    assert _snapshot() == first
    User.objects.all().delete()
    call_command("seed_demo", instructors=30, seed=8)
    assert _snapshot() != first


def test_seed_demo_if_empty_leaves_existing_data_alone(capsys) -> None:
    call_command("seed_demo", instructors=5)
    before = _snapshot()
    call_command("seed_demo", instructors=5, if_empty=True)
    assert "already present" in capsys.readouterr().out
    assert _snapshot() == before
    with pytest.raises(CommandError, match="already exists"):
        call_command("seed_demo", instructors=5)
