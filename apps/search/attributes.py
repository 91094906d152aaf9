"""Who the lessons are for (age group), how far along they are (skill level) and where they
happen (format). Age groups follow the catalog: toddler 1–4, kids 5–12, teens 13–17, adults 18+."""

from __future__ import annotations

import re

from apps.search.scan import Draft, Scan

_AGE_BOUNDS = ((4, "toddler"), (12, "kids"), (17, "teens"))


def age_group_for(age: int) -> str:
    for upper, group in _AGE_BOUNDS:
        if age <= upper:
            return group
    return "adults"


_YEARS_OLD = r"(?:years?|yrs?|yr)\s*olds?|y\s*/?\s*o|yos?|year\s+olds?"
_NUMERIC_AGES = (
    # "7 year old", "12yo", "7-9 year olds", "7 and 9 year old"
    re.compile(
        rf"(?<![\d.])(?P<low>\d{{1,2}})(?:\.\d+)?(?:\s*(?:-|to|and|or)\s*(?P<high>\d{{1,2}})(?:\.\d+)?)?\s*(?:{_YEARS_OLD})\b"
    ),
    # "age 7", "ages 5-8", "aged 10", "ages 6 to 9"
    re.compile(r"\b(?:ages?|aged)\s+(?P<low>\d{1,2})(?:\s*(?:-|to|and)\s*(?P<high>\d{1,2}))?\b"),
)
_MONTHS_OLD = re.compile(r"\b\d{1,2}\s*(?:-\s*)?months?\s*(?:-\s*)?olds?\b")
_GRADE = re.compile(r"\b(?P<grade>\d{1,2})(?:st|nd|rd|th)\s*grade(?:rs?)?\b")

_AGE_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:toddlers?|bab(?:y|ies)|infants?|preschool(?:ers?)?|pre\s*k|little\s+ones?)\b"), "toddler"),
    (
        re.compile(
            r"\b(?:kids?|child(?:ren)?|tweens?|kindergart(?:e?n(?:ers?)?)|elementary(?:\s+school(?:ers?)?)?|"
            r"grade\s+school(?:ers?)?)\b"
        ),
        "kids",
    ),
    (
        re.compile(r"\b(?:teen(?:ager)?s?|teenage[d]?|adolescents?|high\s*school(?:ers?)?|highschool(?:ers?)?)\b"),
        "teens",
    ),
    (
        re.compile(
            r"\b(?:adults?|grown\s*ups?|myself|(?<=for )me|seniors?|retirees?|college\s+students?|"
            r"grad(?:uate)?\s+students?)\b"
        ),
        "adults",
    ),
)

_SKILLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:(?:total|complete|absolute|true|real)\s+)?(?:beginners?|beginning|novices?|newbies?|newcomers?)\b|"
            r"\bnever\s+(?:(?:played|done|taken|tried|had|learned|learnt|danced|sung|swum|used)\b|been)|"
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


def _take_all(scan: Scan, rules: tuple[tuple[re.Pattern[str], str], ...], *, soft: bool = False) -> None:
    for pattern, _ in rules:
        for match in scan.matches(pattern):
            scan.take_match(match, soft=soft)


def extract_numeric_ages(scan: Scan, draft: Draft) -> None:
    """A stated age beats an age word: "my 14 year old son" is a teen, whatever "son" says."""
    for pattern in _NUMERIC_AGES:
        for match in scan.matches(pattern):
            low = int(match["low"])
            high = int(match["high"]) if match["high"] else low
            draft.age_group = draft.age_group or age_group_for((low + high) // 2)
            scan.take_match(match)
    for match in scan.matches(_MONTHS_OLD):
        draft.age_group = draft.age_group or "toddler"
        scan.take_match(match)
    for match in scan.matches(_GRADE):
        draft.age_group = draft.age_group or age_group_for(int(match["grade"]) + 5)
        scan.take_match(match)


def extract_age_words(scan: Scan, draft: Draft) -> None:
    # Soft: "kids yoga" and "adult swim lessons" are catalog phrases as well as ages.
    hit = _first_hit(scan, _AGE_WORDS)
    if hit is not None and draft.age_group is None:
        draft.age_group = hit[1]
    _take_all(scan, _AGE_WORDS, soft=True)


def extract_skill_and_format(scan: Scan, draft: Draft) -> None:
    for rules, attribute in ((_FORMATS, "format"), (_SKILLS, "skill_level")):
        hit = _first_hit(scan, rules)
        if hit is not None:
            setattr(draft, attribute, hit[1])
        _take_all(scan, rules)
