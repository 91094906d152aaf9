"""Text normalization shared by the vocabulary index and the parser.

Both sides of every comparison go through the same functions, so a catalog term and a typed
query agree on spelling details (case, accents, apostrophes, hyphens, plurals) by construction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_PUNCT = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "`": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
# Characters the regex extractors need ($50-70, 6:30pm, 12/5, 80/hr, $1,000.50, $50+); the
# rest become spaces so "piano!!" and "piano" tokenize alike.
_DROP = re.compile(r"[^a-z0-9$/:.,+<>=@\-\s]")
_INNER_APOSTROPHE = re.compile(r"(?<=[a-z])'(?=[a-z])")
_MERIDIEM_DOTS = re.compile(r"\b([ap])\.\s?m\b\.?")
_OCLOCK = re.compile(r"\bo\s?clock\b")
_LETTER_HYPHEN = re.compile(r"-(?=[a-z])")  # "hip-hop", "12-year-old"; not "10am-2pm"
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z]+|[0-9]+")
_UNITS = {
    word: value
    for value, word in enumerate(
        (
            *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
            *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"),
            "nineteen",
        )
    )
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_NUMBER_WORD = re.compile(
    rf"\b(?:(?P<hundred>(?:a|one)\s+hundred)|(?P<tens>{'|'.join(_TENS)})(?:\s+(?P<unit>{'|'.join(list(_UNITS)[1:10])}))?"
    rf"|(?P<single>{'|'.join(_UNITS)}))\b"
)


def _number_value(match: re.Match[str]) -> str:
    if match["hundred"]:
        return "100"
    if match["tens"]:
        return str(_TENS[match["tens"]] + (_UNITS[match["unit"]] if match["unit"] else 0))
    return str(_UNITS[match["single"]])


_ONE_ON_ONE = re.compile(r"\b(?:one|1)[\s-]*(?:on|to|:)[\s-]*(?:one|1)\b")

# Irregular forms a suffix stripper cannot reach; "losing weight" has to meet "weight loss".
_IRREGULAR = {
    "lose": "loss",
    "losing": "loss",
    "lost": "loss",
    "children": "child",
    "people": "person",
    "women": "woman",
    "womens": "woman",
    "men": "man",
    "mens": "man",
    "sang": "sing",
    "sung": "sing",
    "wrote": "write",
    "written": "write",
    "spoke": "speak",
    "spoken": "speak",
    # Not "improv" (the comedy) with an e: "improve my chess" is about chess.
    "improve": "improvement",
    "improves": "improvement",
    "improved": "improvement",
    "improving": "improvement",
}


def normalize(text: str) -> str:
    """Lowercase, accent-free, apostrophe-free text in which letter hyphens are spaces
    ("Hell's Kitchen" -> "hells kitchen", "in-person" -> "in person", "español" -> "espanol")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().translate(_PUNCT)
    plain = _INNER_APOSTROPHE.sub("", plain).replace("'", " ")
    plain = _MERIDIEM_DOTS.sub(r"\1m", plain)
    plain = _OCLOCK.sub(" ", plain)
    plain = _LETTER_HYPHEN.sub(" ", plain)
    plain = _DROP.sub(" ", plain)
    plain = _ONE_ON_ONE.sub("private", plain)  # not two numbers
    # "a five year old", "at four": the grammars read digits.
    plain = _NUMBER_WORD.sub(_number_value, plain)
    return _SPACES.sub(" ", plain).strip()


@dataclass(frozen=True)
class Token:
    """One word of the normalized text; `start`/`end` are offsets into that text."""

    text: str
    start: int
    end: int


def tokenize(normalized: str) -> list[Token]:
    """Letters and digits split apart ("6pm" -> "6", "pm"), so "5k" in a query and in the
    catalog both become the same two tokens."""
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(normalized)]


def words(text: str) -> tuple[str, ...]:
    """The tokens of a catalog or gazetteer phrase, normalized like a query."""
    return tuple(token.text for token in tokenize(normalize(text)))


def singular(word: str) -> str:
    """A light plural stripper: enough to make "lessons", "heights", "hobbies" meet their
    singular, without a dictionary. Words ending in ss/us/is ("class", "tennis") are kept."""
    word = _IRREGULAR.get(word, word)
    if len(word) <= 3 or not word.endswith("s"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    return word[:-1]


# Street-sign abbreviations in place names ("washington hts", "ft greene", "e village").
_PLACE_ABBREVIATIONS = {
    "hts": "heights",
    "ht": "heights",
    "ft": "fort",
    "mt": "mount",
    "sq": "square",
    "pk": "park",
    "pkwy": "parkway",
    "ave": "avenue",
    "av": "avenue",
    "bch": "beach",
    "e": "east",
    "w": "west",
    "n": "north",
    "s": "south",
}


def place_key(word: str) -> str:
    """How a word of a place name is compared: abbreviation expanded, then singular."""
    return singular(_PLACE_ABBREVIATIONS.get(word, word))


def stem(word: str) -> str:
    """Singular, then -ing/-er/-e stripped, so "dancing", "dancer", "dance" and "dances" share
    a key, as do "swimming"/"swim" and "tutoring"/"tutors". Only used for catalog matching;
    collisions ("acting" vs "act") are settled by preferring the exact surface form."""
    base = singular(word)
    for suffix in ("ing", "er"):
        if base.endswith(suffix) and len(base) - len(suffix) >= 3:
            base = base[: -len(suffix)]
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # swimm -> swim, runn -> run, knitt -> knit
            break
    if base.endswith("e") and len(base) > 3:
        base = base[:-1]
    return base
