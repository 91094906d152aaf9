"""Query-string and form parsing for the availability pages."""

from __future__ import annotations

import datetime as dt

from django import forms

from apps.availability.models import BLACKOUT_REASON_MAX, FEED_LABEL_MAX, FEED_URL_MAX
from apps.core.dates import DATE_RANGE_VALIDATORS
from apps.instructors.states import Format


class WeekChoiceForm(forms.Form):
    """`?week=` on the editor: any date in the week; a bad value shows the current week."""

    week = forms.DateField(required=False, validators=DATE_RANGE_VALIDATORS)

    def chosen(self) -> dt.date | None:
        return self.cleaned_data.get("week") if self.is_valid() else None


class BlackoutForm(forms.Form):
    date = forms.DateField(
        label="Day off",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=DATE_RANGE_VALIDATORS,
    )
    reason = forms.CharField(label="Note (only you see it)", required=False, max_length=BLACKOUT_REASON_MAX)
    # The week the editor shows, so the response can refresh its "days off this week" line.
    week = forms.DateField(required=False, widget=forms.HiddenInput, validators=DATE_RANGE_VALIDATORS)


class SlotPickerForm(forms.Form):
    """The slot picker's query string. Invalid values are dropped, never an error: the
    selector falls back to the offering's defaults, so a stale link still shows times."""

    date = forms.DateField(required=False, validators=DATE_RANGE_VALIDATORS)
    service = forms.SlugField(required=False, max_length=60)
    format = forms.ChoiceField(required=False, choices=Format.choices)
    duration = forms.IntegerField(required=False, min_value=1, max_value=24 * 60)

    def picked(self) -> tuple[dt.date | None, str | None, str | None, int | None]:
        """(date, service, format, duration), each None when missing or invalid."""
        self.is_valid()
        data = self.cleaned_data
        return data.get("date"), data.get("service") or None, data.get("format") or None, data.get("duration")


class ImportedCalendarForm(forms.Form):
    label = forms.CharField(label="Name", max_length=FEED_LABEL_MAX, help_text="e.g. School, Studio, Personal")
    url = forms.CharField(
        label="Secret address (iCal format)",
        max_length=FEED_URL_MAX,
        help_text="In Google Calendar: Settings → your calendar → “Secret address in iCal format”.",
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}),
    )
