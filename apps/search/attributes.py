"""How far along the learner is (skill level) and where the lessons happen (format); who they
are for is in `ages.py`."""

from __future__ import annotations

import re

from apps.search.scan import Draft, Scan

# "never" alone is taken from "never sang": the verb after it may name the service.
_SKILLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:(?:total|complete|absolute|true|real)\s+)?(?:beginners?|beginning|novices?|newbies?|newcomers?)\b|"
            r"\bnever\s+(?=(?:played|done|taken|tried|had|learned|learnt|danced|sang|sung|swam|swum|used|been)\b)|"
            r"\b(?:just\s+)?start(?:ing|ed)\s+out\b|\bjust\s+(?:starting|started|beginning)\b|\bfrom\s+scratch\b|"
            r"\bfirst\s+timers?\b|\bfirst\s+time\b|\bno\s+(?:prior\s+)?experience\b|\b(?:the\s+)?basics\b|"
            r"\bintro(?:ductory)?\b|\bentry\s+level\b|\blevel\s+(?:1|one)\b|\bnew\s+to\s+(?:it|this)\b"
        ),
        "beginner",
    ),
    (
        re.compile(
            r"\b(?:intermediate|improvers?|mid\s+level|some\s+experience|level\s+(?:2|two)|"
            r"not\s+a\s+(?:total\s+|complete\s+)?beginner)\b"
        ),
        "intermediate",
    ),
    (
        re.compile(
            r"\b(?:advanced|pro\s+level|professional\s+level|high\s+level|"
            r"competitive|level\s+(?:3|three)|pre\s+professional)\b"
        ),
        "advanced",
    ),
)

_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:(?:over|on|via|by|through)\s+)?(?:online|virtual(?:ly)?|zoom|remote(?:ly)?|facetime|skype|webcam|"
            r"google\s+meet|video\s+(?:call|chat|lesson)s?|from\s+home)\b|\b(?:over|via|by)\s+video\b"
        ),
        "online",
    ),
    (
        re.compile(
            r"\b(?:in\s*person|face\s+to\s+face|f2f|in\s*home|at\s+home|house\s+calls?|home\s+visits?|"
            r"(?:at|in|to)\s+(?:my|our|your|the|their|a)\s+(?:home|house|place|apartment|apt|flat|studio|building|"
            r"office)|comes?\s+to\s+(?:me|us|my\s+\w+|our\s+\w+)|travels?\s+to\s+(?:me|us|my\s+\w+|our\s+\w+))\b"
        ),
        "in_person",
    ),
)


def _first_hit(scan: Scan, rules: tuple[tuple[re.Pattern[str], str], ...]) -> tuple[int, str] | None:
    """The rule matched earliest in the text wins ("online or in person" is online)."""
    hits = [(match.start(), value) for pattern, value in rules for match in scan.matches(pattern)]
    return min(hits) if hits else None


def _take_all(scan: Scan, rules: tuple[tuple[re.Pattern[str], str], ...]) -> None:
    for pattern, _ in rules:
        for match in scan.matches(pattern):
            scan.take_match(match)


def extract_skill_and_format(scan: Scan, draft: Draft) -> None:
    for rules, attribute in ((_FORMATS, "format"), (_SKILLS, "skill_level")):
        hit = _first_hit(scan, rules)
        if hit is not None:
            setattr(draft, attribute, hit[1])
        _take_all(scan, rules)
