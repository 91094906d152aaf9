from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import Address, Learner, User


def learner_list(*, parent: User) -> QuerySet[Learner]:
    return Learner.objects.filter(parent=parent).select_related("age_group")


def address_list(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user).select_related("neighborhood__borough")
