from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from apps.referrals.cookies import ref_code
from apps.referrals.rules import RULES
from apps.referrals.selectors import referral_offer_get

register = template.Library()


@register.inclusion_tag("referrals/_offer.html")
def referral_offer(request: HttpRequest | None) -> dict[str, Any]:
    """The offer of the link this visitor came through, on the sign-up page."""
    code = ref_code(request) if request is not None else ""
    return {"offer": referral_offer_get(code=code) if code else None, "rules": RULES}
