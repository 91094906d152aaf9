from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.payments.gateway import get_gateway
from apps.payments.models import PaymentMethod


def payment_method_list(*, user: User) -> QuerySet[PaymentMethod]:
    """The cards usable with the configured gateway (cards saved with another one are kept
    but not offered)."""
    return PaymentMethod.objects.filter(user=user, provider=get_gateway().name)


def payment_method_default(*, user: User) -> PaymentMethod | None:
    return payment_method_list(user=user).filter(is_default=True).first()
