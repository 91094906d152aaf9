"""Writes for payments: saved cards. Provider calls happen outside row locks and carry
idempotency keys derived from our own row ids, so a retry never creates a second object."""

from __future__ import annotations

import uuid

from django.db import transaction

from apps.accounts.models import User
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.core.limits import money_operation
from apps.payments.gateway import CardError, get_gateway
from apps.payments.models import PaymentCustomer, PaymentMethod


def _customer(actor: User) -> PaymentCustomer:
    """The student's customer with the configured provider; one made with another gateway
    (before a switch of PAYMENT_GATEWAY) is replaced."""
    gateway = get_gateway()
    existing = PaymentCustomer.objects.filter(user=actor).first()
    if existing is not None and existing.provider == gateway.name:
        return existing
    key = f"customer:{actor.pk}" if existing is None else f"customer:{actor.pk}:{gateway.name}"
    provider_id = gateway.customer_create(email=actor.email, idempotency_key=key)
    customer, _ = PaymentCustomer.objects.update_or_create(
        user=actor, defaults={"provider": gateway.name, "provider_id": provider_id}
    )
    return customer


def payment_method_setup_start(*, actor: User, request_key: str) -> str:
    """The client secret the provider's card form (Stripe's Payment Element) confirms in
    the browser; "" for the local gateway, whose form posts a test number instead."""
    if not actor.is_student:
        raise PermissionDenied("Only student accounts save cards.")
    customer = _customer(actor)
    return get_gateway().card_setup_start(
        customer_id=customer.provider_id, idempotency_key=f"card-setup:{actor.pk}:{request_key}"
    )


@money_operation
def payment_method_add(*, actor: User, card_token: str, request_key: str | None = None) -> PaymentMethod:
    """Save a card for off-session use (lessons are authorized the day before). The first
    card becomes the default."""
    if not actor.is_student:
        raise PermissionDenied("Only student accounts save cards.")
    customer = _customer(actor)
    gateway = get_gateway()
    try:
        card = gateway.card_save(
            customer_id=customer.provider_id,
            token=card_token,
            idempotency_key=f"card:{actor.pk}:{request_key or uuid.uuid4()}",
        )
    except CardError as exc:
        raise ValidationFailed(exc.message, fields={"card": [exc.message]}) from exc
    with transaction.atomic():
        has_default = PaymentMethod.objects.select_for_update().filter(user=actor, is_default=True).exists()
        method, _ = PaymentMethod.objects.get_or_create(
            provider=gateway.name,
            provider_id=card.provider_id,
            defaults={
                "user": actor, "brand": card.brand, "last4": card.last4, "exp_month": card.exp_month,
                "exp_year": card.exp_year, "fingerprint": card.fingerprint, "is_default": not has_default,
            },
        )  # fmt: skip
    return method


@money_operation
@transaction.atomic
def payment_method_set_default(*, actor: User, payment_method_id: int) -> PaymentMethod:
    method = PaymentMethod.objects.select_for_update().filter(pk=payment_method_id, user=actor).first()
    if method is None:
        raise NotFound("Card not found.")
    PaymentMethod.objects.filter(user=actor, is_default=True).exclude(pk=method.pk).update(is_default=False)
    method.is_default = True
    method.save(update_fields=["is_default", "updated_at"])
    return method


@money_operation
@transaction.atomic
def payment_method_delete(*, actor: User, payment_method_id: int) -> None:
    method = PaymentMethod.objects.select_for_update().filter(pk=payment_method_id, user=actor).first()
    if method is None:
        raise NotFound("Card not found.")
    was_default = method.is_default
    method.delete()
    if was_default:
        successor = PaymentMethod.objects.filter(user=actor).order_by("-created_at").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default", "updated_at"])
