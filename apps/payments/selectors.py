from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.payments.models import PaymentMethod


def payment_method_list(*, user: User) -> QuerySet[PaymentMethod]:
    return PaymentMethod.objects.filter(user=user)


def payment_method_default(*, user: User) -> PaymentMethod | None:
    return PaymentMethod.objects.filter(user=user, is_default=True).first()
