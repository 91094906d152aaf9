"""Hourly price bounds in cents: "under $80", "less than 100 dollars", "$50-70", "80/hr",
"between 40 and 60", "over $50", "$70 max", "cheap". Extracted after ages and times, so the
numbers left here are not "7 year old" or "at 6"."""

from __future__ import annotations

import re

from apps.search.scan import Draft, Scan

BUDGET_MAX_CENTS = 10_000  # "cheap/budget/affordable" -> at most $100/h (PRODUCT.md §2)
_BARE_MIN = 20  # a bare number below this is more likely an age or an hour than dollars

# At most seven digits, and never from the middle of a longer number: a price, and a
# regex that cannot go quadratic on "1111…".
_NUMBER = r"(?<![\d,.])(?:\d{1,3}(?:,\d{3}){1,2}|\d{1,7})(?!\d|,\d)(?:\.\d{1,2})?"
_UNIT = (
    r"(?:\s*(?:dollars?|bucks|usd)(?:\s*(?:an?|per|/)\s*(?:hour|hr|h|session|lesson|class))?"
    r"|\s*(?:/|an?\s+|per\s+)\s*(?:hour|hr|h|session|lesson|class)\b|\s*hourly)"
)
# A price: "$80", "$80/hr", "80 dollars", "80/hr". Bare numbers are handled separately.
_MONEY = rf"(?:\$\s*{_NUMBER}(?:{_UNIT})?|{_NUMBER}{_UNIT})"
_AMOUNT = rf"(?:{_MONEY}|(?<![\d$.,])(?P<bare>{_NUMBER})\b(?!\s*(?:years?|yrs?|yo|y/o|months?|am|pm|:|%)))"
# "kids under 10", "adults over 50": a bare number after people words is an age.
_AGE_BEFORE = re.compile(r"\b(?:kids|children|adults|teens|ages?|aged|students|people|seniors|players)\s*$")

_RANGE = re.compile(
    rf"(?:\b(?P<pre>between|from)\s+|(?<![\d$.,]))(?P<low>\$\s*{_NUMBER}|{_NUMBER})(?:{_UNIT})?\s*(?P<sep>-|to|and)\s*"
    rf"(?P<high>\$\s*{_NUMBER}|{_NUMBER})\b(?P<unit>{_UNIT})?(?!\s*(?:years?|yrs?|yo|am|pm|:))"
)
_UPPER_WORDS = (
    r"under|below|less\s+than|cheaper\s+than|lower\s+than|no\s+more\s+than|not\s+more\s+than|up\s+to|"
    r"max(?:imum)?(?:\s+of)?|at\s+most|within|budget\s+(?:of|is)|<=?"
)
_LOWER_WORDS = r"over|above|more\s+than|higher\s+than|at\s+least|min(?:imum)?(?:\s+of)?|starting\s+at|>=?"
_UPPER_AFTER = r"max(?:imum)?|or\s+less|or\s+under|or\s+below|and\s+under|and\s+below|tops|at\s+most|or\s+cheaper"
_LOWER_AFTER = r"\+|or\s+more|and\s+up|and\s+above|or\s+above|plus|min(?:imum)?"
_BOUND_BEFORE = re.compile(rf"(?<![a-z])(?P<word>{_UPPER_WORDS}|{_LOWER_WORDS})\s*(?P<value>{_AMOUNT})")
_BOUND_AFTER = re.compile(rf"(?P<value>{_MONEY})\s*(?P<word>{_UPPER_AFTER}|{_LOWER_AFTER})(?![a-z])")
_PLAIN = re.compile(rf"(?:\b(?:around|about|approx(?:imately)?|roughly|for|at)\s+)?{_MONEY}")
_CHEAP = re.compile(
    r"\b(?:cheap(?:er|est)?|budget(?:\s+friendly)?|affordable|inexpensive|low\s+(?:cost|price[ds]?)|"
    r"not\s+(?:too\s+|very\s+|that\s+)?expensive|reasonabl[ey](?:\s+priced)?|(?:on\s+a\s+)?budget)\b"
)
_LOWER_WORD_RE = re.compile(rf"^(?:{_LOWER_WORDS}|{_LOWER_AFTER})$")


def cents(text: str) -> int:
    """ "$1,000" -> 100000, "49.99" -> 4999."""
    digits = re.search(_NUMBER, text)
    if digits is None:
        raise ValueError(text)
    dollars, _, fraction = digits.group().replace(",", "").partition(".")
    return int(dollars) * 100 + int((fraction + "00")[:2])


def _extract_range(scan: Scan, draft: Draft) -> bool:
    for match in scan.matches(_RANGE):
        if match["sep"] == "and" and match["pre"] != "between":
            continue
        low, high = cents(match["low"]), cents(match["high"])
        priced = "$" in match["low"] or "$" in match["high"] or match["unit"] is not None
        if not priced and min(low, high) < _BARE_MIN * 100:
            continue  # "5-8" is more likely ages or hours than dollars
        draft.min_price_cents, draft.max_price_cents = min(low, high), max(low, high)
        scan.take_match(match)
        return True
    return False


def _extract_bounds(scan: Scan, draft: Draft, pattern: re.Pattern[str]) -> None:
    for match in scan.matches(pattern):
        value = cents(match["value"])
        if match.groupdict().get("bare") is not None and (
            value < _BARE_MIN * 100 or _AGE_BEFORE.search(scan.text, 0, match.start())
        ):
            continue
        if _LOWER_WORD_RE.match(match["word"]):
            draft.min_price_cents = draft.min_price_cents or value
        else:
            draft.max_price_cents = draft.max_price_cents or value
        scan.take_match(match)


def extract_prices(scan: Scan, draft: Draft) -> None:
    if not _extract_range(scan, draft):
        _extract_bounds(scan, draft, _BOUND_BEFORE)
        _extract_bounds(scan, draft, _BOUND_AFTER)
        for match in scan.matches(_PLAIN):
            if draft.max_price_cents is None and draft.min_price_cents is None:
                draft.max_price_cents = cents(match.group())  # a plain "$60/hr" is what they will pay
            scan.take_match(match)
    for match in scan.matches(_CHEAP):
        if draft.max_price_cents is None:
            draft.max_price_cents = BUDGET_MAX_CENTS
        scan.take_match(match)
