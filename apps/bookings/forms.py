"""Forms for the booking pages. They only parse; every rule (is this offered, is it yours,
is the time open) is the booking service's, whose errors land on these fields by name."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.http import QueryDict

from apps.accounts.forms import LearnerForm
from apps.bookings.series.pages import sheet_repeat_choices
from apps.bookings.services import BookingRequest
from apps.bookings.sheet import SheetChoices
from apps.instructors.states import Format
from apps.payments.forms import CardForm
from apps.search.models import Neighborhood


class InstantField(forms.CharField):
    """An ISO 8601 instant with its offset ("2026-12-03T15:00:00+00:00"), as UTC."""

    default_error_messages = {"invalid": "Pick one of the listed times."}

    def to_python(self, value: Any) -> datetime | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if moment.tzinfo is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return moment.astimezone(UTC)


class OptionalIdField(forms.IntegerField):
    """A radio whose empty value ("") means "none" (e.g. the lesson is for me, not a child)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, min_value=1, **kwargs)


class BookingForm(forms.Form):
    """The booking sheet. Field names match the service's error keys (service, format,
    duration, learner, address, payment_method), so its errors appear under the right field."""

    service = forms.SlugField(max_length=80, error_messages={"required": "Choose a lesson."})
    format = forms.ChoiceField(choices=Format.choices, error_messages={"required": "Choose where the lesson happens."})
    duration = forms.IntegerField(
        min_value=15, max_value=240, error_messages={"required": "Choose how long the lesson is."}
    )
    day = forms.DateField(required=False)
    start = InstantField(error_messages={"required": "Pick a time for your lesson."})
    learner = OptionalIdField()
    address = OptionalIdField()
    payment_method = OptionalIdField(error_messages={"invalid": "Choose one of your cards."})
    # "" books this lesson once; else repeat it weekly (apps/bookings/series/).
    repeat = forms.ChoiceField(required=False, choices=sheet_repeat_choices)
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict, *, zone: str | None = None) -> None:
        super().__init__(data)
        self.zone = zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day, start = cleaned.get("day"), cleaned.get("start")
        # A time left checked from another day (a tap on a new day while the page was still
        # updating) must not book a lesson the student no longer sees.
        if self.zone and day and start and start.astimezone(ZoneInfo(self.zone)).date() != day:
            self.add_error("start", "Pick a time on the day you chose.")
        return cleaned

    def booking_request(self, instructor: str) -> BookingRequest:
        data = self.cleaned_data
        return BookingRequest(
            instructor=instructor, service=data["service"], format=data["format"], duration_minutes=data["duration"],
            starts_at=data["start"], learner_id=data["learner"], address_id=data["address"],
            payment_method_id=data["payment_method"],
        )  # fmt: skip

    def fingerprint(self, instructor: str) -> dict[str, Any]:
        """What the idempotency store compares: the same key with other choices is refused."""
        request = self.booking_request(instructor)
        return {
            "instructor": request.instructor, "service": request.service, "format": request.format,
            "duration_minutes": request.duration_minutes, "starts_at": request.starts_at.isoformat(),
            "learner_id": request.learner_id, "address_id": request.address_id,
            "payment_method_id": request.payment_method_id, "repeat": self.cleaned_data.get("repeat", ""),
        }  # fmt: skip


def sheet_choices(data: QueryDict) -> SheetChoices:
    """The sheet's choices from a query string or a posted sheet, leniently: a value that
    does not parse is simply not chosen (a stale link never breaks the page)."""
    form = BookingForm(data)
    form.is_valid()
    valid = {name: form.cleaned_data.get(name) for name in form.fields if name not in form.errors}
    day = valid.get("day")
    return SheetChoices(
        service=valid.get("service") or None,
        format=valid.get("format") or None,
        duration=valid.get("duration"),
        day=day if isinstance(day, date) else None,
        start=valid.get("start"),
        learner=valid.get("learner"),
        address=valid.get("address"),
        payment_method=valid.get("payment_method"),
        repeat=valid.get("repeat") or None,
    )


def _neighborhood_choices() -> list[tuple[str, Any]]:
    """Neighborhoods grouped by borough, for a select with one optgroup per borough."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for place in Neighborhood.objects.select_related("borough").order_by("borough__name", "name"):
        groups.setdefault(place.borough.name, []).append((place.slug, place.name))
    return [("", "Choose your neighborhood"), *groups.items()]


class AddressForm(forms.Form):
    """A new lesson address, typed on the booking sheet (prefix "new_address")."""

    label = forms.CharField(max_length=40, required=False, label="Name it (optional)", initial="Home")
    street = forms.CharField(
        max_length=200, label="Street address", widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        error_messages={"required": "Enter the street address."},
    )  # fmt: skip
    neighborhood = forms.ChoiceField(
        choices=_neighborhood_choices, label="Neighborhood", error_messages={"required": "Choose your neighborhood."}
    )


# The inline forms of the sheet by name, with their prefix and the fields that show something
# was typed (an address's name has a default, so it does not).
ENTRY_FORMS: dict[str, tuple[type[forms.Form], str, tuple[str, ...]]] = {
    "learner": (LearnerForm, "new_learner", ("first_name", "age_group")),
    "address": (AddressForm, "new_address", ("street", "neighborhood")),
    "card": (CardForm, "new_card", ("card",)),
}


@dataclass(frozen=True)
class SheetEntries:
    """What the student typed into the sheet's inline forms: a child, an address, a card.
    A bound one is validated (and saved when the student books); the others only show what
    was typed, so nothing typed is ever lost when the sheet is shown again."""

    learner: LearnerForm
    address: AddressForm
    card: CardForm

    @property
    def bound(self) -> dict[str, forms.Form]:
        return {name: form for name, form in self.all_forms().items() if form.is_bound}

    def all_forms(self) -> dict[str, forms.Form]:
        return {"learner": self.learner, "address": self.address, "card": self.card}

    def is_valid(self) -> bool:
        valid = [form.is_valid() for form in self.bound.values()]  # every form, for every error
        return all(valid)

    @property
    def has_errors(self) -> bool:
        return any(form.errors for form in self.bound.values())

    def fingerprint(self) -> dict[str, str]:
        """The typed values, for the idempotency store (a resend must have typed the same)."""
        return {
            form.add_prefix(name): str(form.data.get(form.add_prefix(name), "")).strip()
            for form in self.bound.values()
            for name in form.fields
        }

    def cleared(self, names: Collection[str]) -> SheetEntries:
        """These entries empty again (they were just saved)."""
        fresh: dict[str, Any] = {name: ENTRY_FORMS[name][0](prefix=ENTRY_FORMS[name][1]) for name in names}
        return replace(self, **fresh)

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """A service's refusal of one entry, its fields named "new_address-street"."""
        by_prefix = {form.prefix: form for form in self.bound.values()}
        for key, messages in errors.items():
            prefix, _, name = key.partition("-")
            form = by_prefix[prefix]
            for message in messages:
                form.add_error(name if name in form.fields else None, message)


def entry_prefixes() -> set[str]:
    return {prefix for _, prefix, _ in ENTRY_FORMS.values()}


def was_typed(data: QueryDict, name: str) -> bool:
    _, prefix, fields = ENTRY_FORMS[name]
    return any(str(data.get(f"{prefix}-{field}", "")).strip() for field in fields)


def sheet_entries(data: QueryDict | None = None, *, bind: Collection[str] = ()) -> SheetEntries:
    """The sheet's inline forms: `bind` ones validate `data`; the rest show what `data` holds
    as typed, unvalidated."""
    made: dict[str, Any] = {}
    for name, (form_class, prefix, _) in ENTRY_FORMS.items():
        if data is None:
            made[name] = form_class(prefix=prefix)
        elif name in bind:
            made[name] = form_class(data, prefix=prefix)
        else:
            typed = {
                field: data[f"{prefix}-{field}"] for field in form_class.base_fields if data.get(f"{prefix}-{field}")
            }
            made[name] = form_class(prefix=prefix, initial=typed)
    return SheetEntries(**made)


class CardChoiceForm(forms.Form):
    payment_method = forms.IntegerField(min_value=1, error_messages={"required": "Choose a card."})
