"""Instructor payout accounts (Stripe Connect Express; a local stand-in offline).

The instructor starts onboarding (an account is created once, keyed by the profile), fills in
the provider's form, and comes back to our return page; the account's state is then synced
from the provider — on that page and on every `account.updated` webhook — into the onboarding
"Payouts" step (`payouts_connected_at`). No staff step is needed."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.accounts.models import User
from apps.core.errors import NotFound, PermissionDenied
from apps.instructors.models import InstructorProfile
from apps.payments.gateway import get_gateway
from apps.payments.local_gateway import LocalGateway
from apps.payments.models import PayoutAccount
from apps.search.generation import search_generation_bump


def _instructor(actor: User) -> InstructorProfile:
    profile = InstructorProfile.objects.filter(user=actor).first()
    if profile is None:
        raise PermissionDenied("Only instructors have payout accounts.")
    return profile


def payout_account_get(*, profile: InstructorProfile) -> PayoutAccount | None:
    """The profile's account with the configured provider (one made with another gateway
    does not count)."""
    return PayoutAccount.objects.filter(instructor=profile, provider=get_gateway().name).first()


def payout_account_start(*, actor: User, refresh_url: str, return_url: str) -> str:
    """Where the instructor goes to enter their payout details (creating the account the
    first time; the key makes a retried first call create one account only)."""
    profile = _instructor(actor)
    gateway = get_gateway()
    account = payout_account_get(profile=profile)
    if account is None:
        account_id = gateway.payout_account_create(email=actor.email, idempotency_key=f"payout-account:{profile.pk}")
        account, _ = PayoutAccount.objects.update_or_create(
            instructor=profile, defaults={"provider": gateway.name, "account_id": account_id}
        )
    return gateway.payout_account_link(account_id=account.account_id, refresh_url=refresh_url, return_url=return_url)


def payout_account_sync(*, account_id: str, now: datetime) -> PayoutAccount | None:
    """Copy the provider's view of the account; the onboarding step follows whether payouts
    are enabled (and is cleared if the provider disables them). Reading the provider's
    current state, not an event's copy, makes duplicates and late events harmless."""
    gateway = get_gateway()
    if not PayoutAccount.objects.filter(provider=gateway.name, account_id=account_id).exists():
        return None
    state = gateway.payout_account_get(account_id=account_id)
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().get(provider=gateway.name, account_id=account_id)
        account.charges_enabled, account.payouts_enabled = state.charges_enabled, state.payouts_enabled
        account.details_submitted, account.currently_due, account.synced_at = (
            state.details_submitted,
            state.currently_due,
            now,
        )
        account.save()
        profile = InstructorProfile.objects.select_for_update().get(pk=account.instructor_id)
        connected = profile.payouts_connected_at
        if state.payouts_enabled and connected is None:
            profile.payouts_connected_at = now
        elif not state.payouts_enabled and connected is not None:
            profile.payouts_connected_at = None
        if profile.payouts_connected_at != connected:
            profile.save(update_fields=["payouts_connected_at", "updated_at"])
            transaction.on_commit(search_generation_bump)
    return account


def payout_account_refresh(*, actor: User, now: datetime) -> PayoutAccount | None:
    """The return page: the instructor is back from the provider's form."""
    account = payout_account_get(profile=_instructor(actor))
    return payout_account_sync(account_id=account.account_id, now=now) if account else None


def payout_account_local_get(*, actor: User, account_id: str) -> PayoutAccount:
    """The actor's own account, for the local gateway's stand-in of the provider's form;
    anyone else's (or any account under another gateway) does not exist."""
    account = payout_account_get(profile=_instructor(actor))
    if account is None or account.account_id != account_id or not isinstance(get_gateway(), LocalGateway):
        raise NotFound("No such payout account.")
    return account


def payout_account_local_complete(*, actor: User, account_id: str, now: datetime) -> PayoutAccount | None:
    """The local gateway's onboarding form (the instructor confirms a test bank account)."""
    account = payout_account_local_get(actor=actor, account_id=account_id)
    gateway = get_gateway()
    assert isinstance(gateway, LocalGateway)  # checked above
    gateway.payout_account_complete(account_id=account.account_id)
    return payout_account_sync(account_id=account.account_id, now=now)


def payout_dashboard_url(*, actor: User) -> str:
    """A one-time login link to the provider's dashboard (Stripe Express)."""
    account = payout_account_get(profile=_instructor(actor))
    if account is None:
        raise NotFound("Connect your payout account first.")
    return get_gateway().payout_dashboard_link(account_id=account.account_id)
