"""Forms of the weekly-lesson pages. They only parse; the series services decide."""

from __future__ import annotations

from django import forms

from apps.bookings.series.pages import repeat_choices
from apps.core.dates import DATE_RANGE_VALIDATORS


class RepeatForm(forms.Form):
    """ "Repeat weekly" on a booked lesson (a travel lesson names its address again)."""

    weeks = forms.ChoiceField(choices=repeat_choices, error_messages={"required": "Choose how long to repeat."})
    address = forms.IntegerField(required=False, min_value=1)
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)


class ChangeForm(forms.Form):
    from_date = forms.DateField(
        validators=DATE_RANGE_VALIDATORS, error_messages={"required": "Pick the first date of the new time."}
    )
    weekday = forms.TypedChoiceField(
        coerce=int, choices=[(str(n), str(n)) for n in range(7)], error_messages={"required": "Pick a day."}
    )
    local_time = forms.TimeField(error_messages={"required": "Pick a time.", "invalid": "Pick a time like 16:00."})
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)

    def clean_local_time(self) -> object:
        wall = self.cleaned_data["local_time"]
        if wall.minute % 15 or wall.second:
            raise forms.ValidationError("Lessons start on the quarter hour (e.g. 4:00 or 4:15).")
        return wall


class EndForm(forms.Form):
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)
