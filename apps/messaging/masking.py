"""Contact details in messages before a pair's first booking (PRODUCT.md: keep the
marketplace safe). Masked: email addresses (also "name at gmail dot com"), phone numbers
(10–11 digits however they are separated or spelled with letters o/l), and payment
handles (Venmo/Cash App/PayPal/Zelle links, $cashtags, @handles). Prices such as "$80" or
"$80/h" and times such as "4:30" are left alone: a cashtag starts with a letter, and a
phone number needs at least 10 digits."""

from __future__ import annotations

import re

HIDDEN = "[hidden]"
EXPLANATION = (
    "Contact details and payment handles are hidden until you book a first lesson together, "
    "so every lesson and payment stays protected by InstaInstru."
)
MASKED_BEFORE = "[hidden]: contact details written before your first booking together stay hidden."

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPELLED_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:\(at\)|\[at\]|\sat\s)\s*[\w-]+\s*(?:\(dot\)|\[dot\]|\sdot\s|\.)\s*(?:com|net|org|edu|io|co|me|us)\b",
    re.I,
)
# Ten or eleven digits, each optionally followed by separators: "(212) 555-0100",
# "212.555.0100", "+1 212 555 0100", "2 1 2 5 5 5 0 1 0 0".
_PHONE = re.compile(r"(?<![\w$])\+?\(?(?:\d[\s().\-]{0,3}){9,10}\d(?!\w)")
_PAYMENT_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:venmo\.com|paypal\.me|paypal\.com|cash\.app|zellepay\.com)/\S*", re.I
)
_CASHTAG = re.compile(r"(?<![\w$])\$[A-Za-z][\w-]{1,30}")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_][\w.-]{1,30}")
_PATTERNS = (_PAYMENT_LINK, _EMAIL, _SPELLED_EMAIL, _PHONE, _CASHTAG, _HANDLE)


def contact_mask(text: str) -> str:
    """The text with every contact detail replaced by [hidden] (unchanged when none)."""
    for pattern in _PATTERNS:
        text = pattern.sub(HIDDEN, text)
    return text
