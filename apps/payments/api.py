import uuid

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import InputSchema
from apps.payments.models import PaymentMethod
from apps.payments.selectors import payment_method_list
from apps.payments.services import (
    payment_method_add,
    payment_method_delete,
    payment_method_set_default,
    payment_method_setup_start,
)

router = Router(tags=["payments"])


class CardIn(InputSchema):
    card_number: str = Field(
        description="With the built-in local gateway: one of its test card numbers (e.g. 4242 4242 4242 4242). "
        "With Stripe: the id of a SetupIntent the app confirmed with the client secret from "
        "/me/payment-methods/setup (seti_…), or of a PaymentMethod (pm_…), which is then set up for off-session use."
    )


class CardSetupOut(Schema):
    client_secret: str = Field(description="For Stripe's card form (SetupIntent); empty with the local gateway.")


class CardOut(Schema):
    id: int
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


@router.get("/me/payment-methods", response={200: list[CardOut], **error_responses(401)}, summary="My saved cards")
def cards(request: HttpRequest) -> list[PaymentMethod]:
    return list(payment_method_list(user=api_user(request)))


@router.post(
    "/me/payment-methods", response={201: CardOut, **error_responses(401, 403, 429, 503)}, summary="Save a card"
)
def card_add(request: HttpRequest, payload: CardIn) -> Status[PaymentMethod]:
    key = request.headers.get("Idempotency-Key")
    return Status(201, payment_method_add(actor=api_user(request), card_token=payload.card_number, request_key=key))


@router.post(
    "/me/payment-methods/setup",
    response={200: CardSetupOut, **error_responses(401, 403)},
    summary="Start saving a card",
)
def card_setup(request: HttpRequest) -> CardSetupOut:
    key = request.headers.get("Idempotency-Key") or uuid.uuid4().hex
    return CardSetupOut(client_secret=payment_method_setup_start(actor=api_user(request), request_key=key))


@router.post(
    "/me/payment-methods/{payment_method_id}/default",
    response={200: CardOut, **error_responses(401, 403, 404, 429, 503)},
    summary="Make a card the default",
)
def card_default(request: HttpRequest, payment_method_id: int) -> PaymentMethod:
    return payment_method_set_default(actor=api_user(request), payment_method_id=payment_method_id)


@router.delete(
    "/me/payment-methods/{payment_method_id}",
    response={204: None, **error_responses(401, 403, 404, 429, 503)},
    summary="Remove a card",
)
def card_remove(request: HttpRequest, payment_method_id: int) -> Status[None]:
    payment_method_delete(actor=api_user(request), payment_method_id=payment_method_id)
    return Status(204, None)
