"""What the JSON API accepts, the same for every operation.

- Request bodies are JSON objects whose values have exactly the documented JSON types
  (`InputSchema`).
- Dates and instants are the ISO 8601 strings the OpenAPI document promises, within the years
  the product works with (apps/core/dates.py; `ApiDate`, `ApiDateTime`); an instant carries
  its UTC offset.
- Text never holds NUL characters or unpaired surrogates (`reject_unstorable_text`, applied
  to every operation by instainstru/api.py): PostgreSQL cannot store either, and neither is
  anything a person typed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from ninja import Schema
from ninja.errors import ValidationError
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ModelWrapValidatorHandler, model_validator

from apps.core.dates import EARLIEST_DATE, LATEST_DATE, OUT_OF_RANGE

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})?")
TEXT_MESSAGE = "Text cannot contain NUL characters or unpaired surrogates."


class InputSchema(Schema):
    """Base of every request body and of the objects inside one.

    ninja's Schema reads fields as attributes of any value (to serialize ORM rows), so a JSON
    array or number validated as an object whose fields are all optional: a body must be a
    JSON object. Strict, so that `0` is no boolean and `"5"` no integer, as the document
    says (dates and instants arrive as strings and are parsed by `ApiDate`/`ApiDateTime`)."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: Any) -> Any:
        if not isinstance(values, dict | BaseModel):
            raise ValueError("Send a JSON object.")
        return handler(values)


def _in_range(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(OUT_OF_RANGE)
    return value


def _iso_date(value: Any) -> dt.date:
    # Parsed here: pydantic alone would also take 0 or "1700000000" (Unix times) as a date.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("There is no such date.") from None
    raise ValueError("Use a date as YYYY-MM-DD.")


def _iso_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and _DATETIME.fullmatch(value):
        try:
            parsed = dt.datetime.fromisoformat(value.upper())  # RFC 3339 allows "t" and "z"
        except ValueError:
            raise ValueError("There is no such date or time.") from None
    else:
        raise ValueError("Use an ISO 8601 date and time with its UTC offset, e.g. 2026-06-02T16:00:00-04:00.")
    if parsed.tzinfo is None:
        raise ValueError("Add the UTC offset (e.g. -04:00 or Z): a time without one names no instant.")
    return parsed


def _instant_in_range(value: dt.datetime) -> dt.datetime:
    _in_range(value.date())
    return value


ApiDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_in_range)]
ApiDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime), AfterValidator(_instant_in_range)]


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")  # fails on unpaired surrogates only
    except UnicodeEncodeError:
        return False
    return True


def _unstorable_paths(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, str):
        if not _storable(value):
            yield path
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _unstorable_paths(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable_paths(key, (*path, str(key)))
            yield from _unstorable_paths(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _unstorable_paths(item, (*path, index))


def reject_unstorable_text(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """An operation decorator (ninja runs it after validation, with the parsed parameters):
    any text anywhere in the input that holds NUL or an unpaired surrogate is a 422 naming
    the field, before the operation runs."""

    @functools.wraps(view_func)
    def checked(request: Any, *args: Any, **values: Any) -> Any:
        # A body or query schema is named by its fields (as validation errors are), a single
        # parameter by its own name.
        errors = [
            {"loc": path, "msg": TEXT_MESSAGE, "type": "value_error"}
            for name, value in values.items()
            for path in _unstorable_paths(value, () if isinstance(value, BaseModel) else (name,))
        ]
        if errors:
            raise ValidationError(errors)
        return view_func(request, *args, **values)

    return checked
