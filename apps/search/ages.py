"""Who the lessons are for: the learner's age group, from a stated age ("my 7 year old",
"I'm 40", "she's 15", "grade 5") or from words for people ("toddler", "teens", "my husband").
Age groups follow the catalog: toddler 1–4, kids 5–12, teens 13–17, adults 18+.

A stated number beats any word: "my 14 year old son" is a teen, whatever "son" says. Words for
a child that say nothing of age ("my son", "my kid", "my nephew") are used up without setting
an age, so "kid" in "my kid" is not read as the age word "kids".
"""

from __future__ import annotations

import re

from apps.search.scan import Draft, Scan

_AGE_BOUNDS = ((4, "toddler"), (12, "kids"), (17, "teens"))


def age_group_for(age: int) -> str:
    for upper, group in _AGE_BOUNDS:
        if age <= upper:
            return group
    return "adults"


_YEARS_OLD = r"(?:years?|yrs?|yr)\s*olds?|y\.?\s*/?\s*o\b\.?|yos?|year\s+olds?"
_NUMERIC_AGES = (
    # "7 year old", "12yo", "7-9 year olds", "7 and 9 year old"
    re.compile(
        rf"(?<![\d.])(?P<low>\d{{1,2}})(?:\.\d+)?(?:\s*(?:-|to|and|or)\s*(?P<high>\d{{1,2}})(?:\.\d+)?)?\s*(?:{_YEARS_OLD})\b"
    ),
    # "age 7", "ages 5-8", "aged 10", "ages 6 to 9", "age: 7"
    re.compile(r"\b(?:ages?|aged)\s*:?\s*(?P<low>\d{1,2})(?:\s*(?:-|to|and)\s*(?P<high>\d{1,2}))?\b"),
)
_MONTHS_OLD = re.compile(r"\b\d{1,2}\s*(?:-\s*)?months?\s*(?:-\s*)?olds?\b")

_ORDINALS = (
    *("first", "second", "third", "fourth", "fifth", "sixth"),
    *("seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"),
)
_GRADE = re.compile(
    rf"\b(?:(?P<number>\d{{1,2}})(?:st|nd|rd|th)|(?P<ordinal>{'|'.join(_ORDINALS)}))\s*grade(?:rs?)?\b"
    r"|\bgrade\s+(?P<after>\d{1,2})\b(?![.:/]\d)"
)
_GRADE_AGE_OFFSET = 5  # a first grader is about 6


def _grade_number(match: re.Match[str]) -> int:
    if match["ordinal"]:
        return _ORDINALS.index(match["ordinal"]) + 1
    return int(match["number"] or match["after"])


# A bare number names an age only right after someone it can describe, and never when a unit
# follows it: "I'm 40", "she's 15", "my daughter (7)", "my kids are 6 and 9" are ages; "I'm 5
# minutes away", "my son 2 hours a week", "at 6", "$40", "top 10" are not.
_CHILD_NOUNS = (
    r"sons?|daughters?|kids?|child(?:ren)?|boys?|girls?|nephews?|nieces?|grand(?:son|daughter|child|kid)s?|"
    r"grandchildren|step\s*(?:son|daughter|kid|child)s?|twins?|toddlers?|bab(?:y|ies)|brothers?|sisters?|"
    r"siblings?|students?"
)
_ADULT_NOUNS = (
    r"husbands?|wi(?:fe|ves)|spouses?|fiancee?s?|boyfriends?|girlfriends?|"
    r"grand(?:ma|pa|mother|father|parent|mom|dad|pop)s?|grann(?:y|ies)|moms?|mums?|mommy|mama|momma|"
    r"dads?|daddy|papa|aunts?|aunties?|uncles?|co\s*workers?|colleagues?|roommates?|"
    r"(?:mother|father|sister|brother|son|daughter)s?\s+in\s+laws?|in\s+laws?"
)
_NEEDS_OWNER = r"partners?|mothers?|fathers?|parents?|boss(?:es)?"  # "partner dancing", "mother tongue"
_SUBJECT = (
    r"(?:i\s+am|im|iam|(?:he|she|who)\s+is|hes|shes|whos|they\s+are|theyre)"
    r"(?:\s+(?:just|only|almost|nearly|about|around|over))?(?:\s+(?:turning|turned|going\s+on))?"
    r"|(?:i|he|she|they|who)\s+(?:just\s+)?(?:turned|turns|will\s+be)"
    rf"|(?:{_CHILD_NOUNS}|{_ADULT_NOUNS}|{_NEEDS_OWNER})\s*,?(?:\s+(?:who\s+)?(?:is|are|just\s+turned|turned|turning))?"
)
_NOT_AN_AGE_AFTER = (
    r"am|pm|a\s*m|p\s*m|hours?|hrs?|hr|h|minutes?|mins?|min|days?|weeks?|wks?|nights?|times?|x|sessions?|"
    r"lessons?|classes|class|people|persons?|of|kids|students|dollars?|bucks|usd|an?\s+hour|per|hourly|"
    r"miles?|mi|km|blocks?|stops?|ft|feet|foot|inch(?:es)?|lbs?|pounds?|kg|percent|spots?|seats?"
)
_STATED_AGE = re.compile(
    rf"\b(?:{_SUBJECT})\s+(?:a\s+)?(?P<low>\d{{1,2}})(?:\s*(?:-|to|and|or|&)\s*(?P<high>\d{{1,2}}))?\b"
    rf"(?:\s*(?P<unit>years?|yrs?|months?|mos?)\b)?(?!\s*(?:{_NOT_AN_AGE_AFTER})\b)(?![.:/,]\d|\s*[$%\d]|\s*(?:-|to|and|or|&)\s*\d)"
)
# "I'm in my 40s", "she's in her late twenties"
_DECADE_WORDS = ("twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties", "nineties")
_DECADE = re.compile(
    r"\bin\s+(?:my|his|her|their|our)\s+(?:(?:early|mid|late)\s+)?"
    rf"(?:(?P<number>[2-9]0)s|(?P<word>{'|'.join(_DECADE_WORDS)}))\b"
)


def _stated_age(match: re.Match[str]) -> int:
    low = int(match["low"])
    age = (low + int(match["high"])) // 2 if match["high"] else low
    if match["unit"] and match["unit"].startswith("mo"):
        return max(1, age // 12)
    return age


# Words naming who the lessons are for, checked in this order; each match is used up before
# the next pattern reads the text. "mommy and me" is a class for a toddler with a parent, so
# it is read before "mommy". A child named by relation only ("my son", "my kid", "our twins")
# has no age: used up, no group. Then the first age word in the text wins.
_OWNER = r"(?:my|our|his|her|their|your)"
_ADJECTIVE = (
    r"(?:(?:best|old|older|new|elderly|aging|ageing|retired|senior|dear|close|future|adult|grown|dance|work|"
    r"business|younger|youngest|oldest|eldest|middle|little|both|\d)\s+)"
)
_AGE_WORDS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (
        re.compile(
            r"\b(?:mommy|mom|mum|mama|daddy|dad|papa|parents?|caregivers?|grown\s*ups?|nanny)\s+(?:and|&|n)\s+"
            r"(?:me|baby|babies|toddlers?|tots?|infants?)\b"
        ),
        "toddler",
    ),
    (
        re.compile(
            # "my kid(s)" and "my child(ren)" say child and stay kids (the age words below).
            rf"\b{_OWNER}\s+{_ADJECTIVE}{{0,2}}(?:sons?|daughters?|boys?|girls?|nephews?|nieces?|"
            r"grand(?:son|daughter|child|kid)s?|grandchildren|step\s*(?:son|daughter|kid|child)s?|twins?)\b"
        ),
        None,
    ),
    (
        # The person typing, not the learner: "I'm a mom of two looking for piano".
        re.compile(
            r"\b(?:(?:i\s+am|im|as)\s+an?\s+(?:\w+\s+)?(?:mom|mum|mother|dad|father|parent|grandparent)\b"
            r"(?:\s+of\s+\d+)?|\b(?:mom|mum|mother|dad|father|parent)s?\s+of\s+\d+)"
        ),
        None,
    ),
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
            r"\b(?:adults?|grown\s*ups?|myself|(?<=for )me|seniors?|retirees?|retired|elderly|older\s+adults?|"
            r"middle\s+aged?|"
            r"college\s+(?:(?:aged?\s+)?(?:students?|kids?|sons?|daughters?)|aged?)|"
            r"grad(?:uate)?\s+students?)\b"
            rf"|\b(?:{_ADULT_NOUNS})\b"
            rf"|\b{_OWNER}\s+{_ADJECTIVE}?(?:{_NEEDS_OWNER})\b"
            rf"|\b(?:my|our|your)\s+{_ADJECTIVE}?(?:friends?|buddy|buddies|bff|bestie)\b"
        ),
        "adults",
    ),
)


def extract_numeric_ages(scan: Scan, draft: Draft) -> None:
    """A stated age beats an age word, and the first stated age wins."""
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
        draft.age_group = draft.age_group or age_group_for(_grade_number(match) + _GRADE_AGE_OFFSET)
        scan.take_match(match)
    for match in scan.matches(_STATED_AGE):
        draft.age_group = draft.age_group or age_group_for(_stated_age(match))
        scan.take_match(match)
    for match in scan.matches(_DECADE):
        decade = int(match["number"]) if match["number"] else 20 + 10 * _DECADE_WORDS.index(match["word"])
        draft.age_group = draft.age_group or age_group_for(decade)
        scan.take_match(match)


def extract_age_words(scan: Scan, draft: Draft) -> None:
    # Soft: "kids yoga", "adult swim lessons" and "father daughter dance" are catalog phrases
    # as well as ages.
    hits: list[tuple[int, str]] = []
    for pattern, group in _AGE_WORDS:
        for match in scan.matches(pattern):
            if group is not None:
                hits.append((match.start(), group))
            scan.take_match(match, soft=True)
    if hits and draft.age_group is None:
        draft.age_group = min(hits)[1]
