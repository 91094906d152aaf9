from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from apps.accounts.models import Address, Learner, User
from apps.accounts.selectors import address_list, learner_list
from apps.accounts.services import (
    address_create,
    address_delete,
    learner_create,
    learner_delete,
    user_profile_update,
)
from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import InputSchema

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool
    phone: str
    timezone: str
    zip_code: str


class MePatch(InputSchema):
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    timezone: str | None = None
    zip_code: str | None = None


class LearnerIn(InputSchema):
    first_name: str
    age_group: str


class LearnerOut(Schema):
    id: int
    first_name: str
    age_group: str

    @staticmethod
    def resolve_age_group(obj: Learner) -> str:
        return obj.age_group_id


@router.get("/me", response={200: MeOut, **error_responses(401)}, summary="The signed-in user")
def me(request: HttpRequest) -> User:
    return api_user(request)


@router.patch("/me", response={200: MeOut, **error_responses(401, 403)}, summary="Update my profile")
def me_update(request: HttpRequest, payload: MePatch) -> User:
    return user_profile_update(actor=api_user(request), changes=payload.model_dump(exclude_none=True))


@router.get("/me/learners", response={200: list[LearnerOut], **error_responses(401)}, summary="My learners")
def learners(request: HttpRequest) -> list[Learner]:
    return list(learner_list(parent=api_user(request)))


@router.post("/me/learners", response={201: LearnerOut, **error_responses(401, 403)}, summary="Add a learner")
def learner_add(request: HttpRequest, payload: LearnerIn) -> Status[Learner]:
    return Status(
        201, learner_create(actor=api_user(request), first_name=payload.first_name, age_group=payload.age_group)
    )


@router.delete(
    "/me/learners/{learner_id}", response={204: None, **error_responses(401, 403, 404)}, summary="Remove a learner"
)
def learner_remove(request: HttpRequest, learner_id: int) -> Status[None]:
    learner_delete(actor=api_user(request), learner_id=learner_id)
    return Status(204, None)


class AddressIn(InputSchema):
    label: str = "Home"
    street: str
    neighborhood: str


class AddressOut(Schema):
    id: int
    label: str
    street: str
    neighborhood: str
    neighborhood_name: str
    borough: str

    @staticmethod
    def from_model(address: Address) -> AddressOut:
        place = address.neighborhood
        return AddressOut(
            id=address.pk,
            label=address.label,
            street=address.street,
            neighborhood=place.slug,
            neighborhood_name=place.name,
            borough=place.borough.name,
        )


@router.get("/me/addresses", response={200: list[AddressOut], **error_responses(401)}, summary="My lesson addresses")
def addresses(request: HttpRequest) -> list[AddressOut]:
    return [AddressOut.from_model(a) for a in address_list(user=api_user(request))]


@router.post("/me/addresses", response={201: AddressOut, **error_responses(401, 403)}, summary="Save an address")
def address_add(request: HttpRequest, payload: AddressIn) -> Status[AddressOut]:
    address = address_create(
        actor=api_user(request), label=payload.label, street=payload.street, neighborhood=payload.neighborhood
    )
    return Status(201, AddressOut.from_model(address))


@router.delete(
    "/me/addresses/{address_id}", response={204: None, **error_responses(401, 403, 404)}, summary="Remove an address"
)
def address_remove(request: HttpRequest, address_id: int) -> Status[None]:
    address_delete(actor=api_user(request), address_id=address_id)
    return Status(204, None)
