from __future__ import annotations

from decimal import Decimal

from django import forms

REASON_MAX = 300


class ReasonForm(forms.Form):
    """Every staff action asks why; the reason goes to the audit entry (and the timeline)."""

    reason = forms.CharField(
        max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept in the audit trail."
    )


class AmountReasonForm(ReasonForm):
    amount = forms.DecimalField(
        label="Amount (USD)", min_value=Decimal("0.01"), max_value=Decimal("10000"), max_digits=7, decimal_places=2
    )

    def amount_cents(self) -> int:
        return int(self.cleaned_data["amount"] * 100)


class RefundForm(ReasonForm):
    amount = forms.DecimalField(
        label="Amount (USD)", required=False, min_value=Decimal("0.01"), max_value=Decimal("10000"), max_digits=7,
        decimal_places=2, help_text="Leave empty to refund everything still refundable.",
    )  # fmt: skip

    def amount_cents(self) -> int | None:
        amount = self.cleaned_data["amount"]
        return None if amount is None else int(amount * 100)
