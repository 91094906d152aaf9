"""The automatic checks on a review's text or a reply: each finding is a flag that puts the
review in the staff queue (it stays visible until staff decide). Pure functions, no database.

The checks are deliberately simple (PRODUCT.md §7): very short text, a character repeated
five times or more, links, phone numbers or emails (taking the conversation off the
platform), and words from a short profanity list, matched as whole words so that "class" or
"Scunthorpe" never trip them.
"""

from __future__ import annotations

import re

from apps.reviews.states import Flag

SHORT_TEXT_CHARS = 10  # "ok", "Great!!": too little to help anyone choose
_REPEATED = re.compile(r"(\S)\1{4,}")
_LINK = re.compile(
    r"https?://|\bwww\.|\b[a-z0-9][a-z0-9-]*\.(?:com|net|org|io|co|me|ly|app|info|biz|us|nyc|gg|tv)\b", re.IGNORECASE
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# US numbers as people type them: 917-555-0134, (917) 555 0134, +1 917.555.0134, 9175550134.
_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.\-]?)?\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]?\d{4}(?!\d)")
# Common masking of letters with look-alike symbols ("sh!t", "@ss", "f*ck").
_LOOKALIKES = str.maketrans({"@": "a", "$": "s", "!": "i", "1": "i", "0": "o", "3": "e", "*": "u"})
_WORD = re.compile(r"[a-z]+")
PROFANE_WORDS = frozenset(
    {
        "ass", "asshole", "assholes", "bastard", "bastards", "crap", "crappy", "cunt", "dick", "dickhead",
        "douche", "douchebag", "motherfucker", "piss", "pissed", "prick", "retard", "retarded", "slut", "stfu",
        "twat", "whore", "wtf",
    }
)  # fmt: skip
# Words these start is enough ("fucking", "shitty", "bitches").
PROFANE_STEMS = ("fuck", "shit", "bullshit", "bitch")


def _profane(text: str) -> bool:
    lower = text.lower()
    # As typed and with look-alikes read as letters: "sh!t" needs the second, "wtf!!" the first.
    for variant in (lower, lower.translate(_LOOKALIKES)):
        if any(word in PROFANE_WORDS or word.startswith(PROFANE_STEMS) for word in _WORD.findall(variant)):
            return True
    return False


def text_flags(text: str, *, reply: bool = False) -> list[str]:
    """The flags a text earns, in a fixed order. Empty text earns none (stars alone are a
    fine review); a reply is never "too short" ("Thank you!" is a good reply)."""
    text = text.strip()
    if not text:
        return []
    found: list[str] = []
    if not reply and len(text) < SHORT_TEXT_CHARS:
        found.append(Flag.SHORT)
    if _REPEATED.search(text):
        found.append(Flag.REPEATED)
    if _LINK.search(_EMAIL.sub(" ", text)):  # an email's domain is contact, not a link
        found.append(Flag.LINK)
    if _EMAIL.search(text) or _PHONE.search(text):
        found.append(Flag.CONTACT)
    if _profane(text):
        found.append(Flag.PROFANITY)
    return [str(flag) for flag in found]
