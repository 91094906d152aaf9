"""The card form, shared by the cards page, the booking sheet and a booking's detail page."""

from __future__ import annotations

from django import forms


class CardForm(forms.Form):
    """A test card number; the gateway decides whether it is accepted. Field "card" is the
    name the payments service uses for its errors."""

    card = forms.CharField(
        max_length=30,
        label="Card number",
        # "off", not "cc-number": this demo gateway takes test numbers only, and a browser
        # must never offer to fill in a real card here.
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter a test card number."},
    )
