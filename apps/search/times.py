"""Times of day: day parts ("morning", "after school") and clock times ("at 6pm", "3-5pm",
"after 5pm", "before noon"). A clock time beats a day part; a day part still tells a bare
hour which half of the day it is in ("tonight at 8" is 20:00)."""

from __future__ import annotations

import datetime as dt
import re

from apps.search.scan import Draft, Scan

EVENING = (dt.time(17), dt.time(21))
_LAST_MINUTE = dt.time(23, 59)

# (pattern, window, meridiem hint, soft): "after school" stays usable for the catalog's
# "after school tutoring".
_DAY_PARTS: tuple[tuple[re.Pattern[str], tuple[dt.time, dt.time], str | None, bool], ...] = (
    (re.compile(r"\bafter\s+school\b"), (dt.time(15), dt.time(18)), "pm", True),
    (re.compile(r"\bafter\s+work\b"), EVENING, "pm", False),
    (re.compile(r"\b(?:in\s+the\s+)?mornings?\b"), (dt.time(6), dt.time(12)), "am", False),
    (re.compile(r"\b(?:in\s+the\s+)?afternoons?\b"), (dt.time(12), dt.time(17)), "pm", False),
    (re.compile(r"\b(?:in\s+the\s+)?evenings?\b"), EVENING, "pm", False),
    (re.compile(r"\b(?:at\s+)?nights?\b"), EVENING, "pm", False),
    (re.compile(r"\b(?:at\s+|during\s+)?lunch(?:\s*time|\s+break)?\b"), (dt.time(12), dt.time(13)), None, False),
)


def _clock(prefix: str) -> str:
    return (
        rf"(?:(?P<{prefix}h>\d{{1,2}})(?::(?P<{prefix}m>[0-5]\d))?\s*(?P<{prefix}ap>am|pm)?\b"
        rf"|(?P<{prefix}w>noon|midday|midnight))"
    )


# Not a time when a unit follows: "from 50 to 70 dollars", "2 to 4 hours", "5-8 year olds".
_NOT_TIME_AFTER = (
    r"(?!\s*(?:\$|/|dollars?|bucks|usd|years?|yrs?|yo|months?|hours?|hrs?|minutes?|mins?|per\b|an\s+hour))"
)
_RANGE = re.compile(
    rf"(?<![\d$.,/])(?:(?P<pre>from|between)\s+)?{_clock('a')}\s*(?P<sep>-|to|until|till|til|through|thru|and)\s*"
    rf"{_clock('b')}{_NOT_TIME_AFTER}"
)
_AFTER = r"after|from|past|starting(?:\s+at)?|later\s+than|any\s*time\s+after"
_BEFORE = r"before|by|until|till|til|no\s+later\s+than|not\s+later\s+than|earlier\s+than"
_AT = r"at|around|about|@|for"
_PREFIXED = re.compile(rf"\b(?P<pre>{_AFTER}|{_BEFORE}|{_AT})\s+{_clock('a')}{_NOT_TIME_AFTER}")
_BARE = re.compile(rf"(?<![\d$.,/]){_clock('a')}")
_AFTER_WORDS = re.compile(rf"^(?:{_AFTER})$")
_BEFORE_WORDS = re.compile(rf"^(?:{_BEFORE})$")


def extract_day_parts(scan: Scan, draft: Draft) -> None:
    for pattern, window, hint, soft in _DAY_PARTS:
        for match in scan.matches(pattern):
            draft.day_windows.append(window)
            draft.meridiem_hint = draft.meridiem_hint or hint
            scan.take_match(match, soft=soft)
    if draft.tonight:
        draft.meridiem_hint = "pm"


def _hour(hour: int, meridiem: str | None, hint: str | None) -> int | None:
    """24-hour value of a typed hour. Without am/pm, "3" means 3pm and "9" 9am (lessons run
    in the day), unless a day part says otherwise."""
    if meridiem is None and hour > 12:
        return hour if hour <= 23 else None
    if not 0 <= hour <= 12:
        return None
    half = meridiem or hint
    if half == "am":
        return 0 if hour == 12 else hour
    if half == "pm":
        return 12 if hour == 12 else hour + 12
    return hour + 12 if 1 <= hour <= 7 else hour


def _time(match: re.Match[str], prefix: str, meridiem: str | None, hint: str | None) -> dt.time | None:
    word = match[prefix + "w"]
    if word is not None:
        return _LAST_MINUTE if word == "midnight" else dt.time(12)
    hour = _hour(int(match[prefix + "h"]), match[prefix + "ap"] or meridiem, hint)
    minute = int(match[prefix + "m"] or 0)
    return None if hour is None else dt.time(hour, minute)


def _is_specific(match: re.Match[str], prefix: str) -> bool:
    """Has am/pm, minutes or is a word like "noon": a time even without "at"."""
    return any(match[prefix + part] is not None for part in ("ap", "m", "w"))


def _range(match: re.Match[str], hint: str | None) -> tuple[dt.time, dt.time] | None:
    if match["sep"] == "and" and match["pre"] != "between":
        return None
    if not (_is_specific(match, "a") or _is_specific(match, "b") or match["pre"]):
        return None
    end = _time(match, "b", None, hint)
    end_meridiem = match["bap"]
    start = _time(match, "a", end_meridiem if match["aap"] is None else None, hint)
    if start is not None and end is not None and start > end and match["aap"] is None and end_meridiem:
        start = _time(match, "a", "am", None)  # "11-1pm" starts at 11am
    if start is None or end is None or start >= end:
        return None
    return start, end


def _plus_hour(start: dt.time) -> dt.time:
    return dt.time(start.hour + 1, start.minute) if start.hour < 23 else _LAST_MINUTE


def extract_clock_times(scan: Scan, draft: Draft) -> None:
    hint = draft.meridiem_hint
    for match in scan.matches(_RANGE):
        window = _range(match, hint)
        if window is not None:
            draft.time_from, draft.time_to = window
            scan.take_match(match)
            return
    for match in scan.matches(_PREFIXED):
        at = _time(match, "a", None, hint)
        if at is None or (match["pre"] == "for" and not _is_specific(match, "a")):
            continue
        prefix = match["pre"]
        if _AFTER_WORDS.match(prefix):
            draft.time_from, draft.time_to = at, None
        elif _BEFORE_WORDS.match(prefix):
            draft.time_from, draft.time_to = None, at
        else:
            draft.time_from, draft.time_to = at, _plus_hour(at)
        scan.take_match(match)
        return
    for match in scan.matches(_BARE):
        at = _time(match, "a", None, hint)
        if at is not None and _is_specific(match, "a"):
            draft.time_from, draft.time_to = at, _plus_hour(at)
            scan.take_match(match)
            return


def settle_times(draft: Draft) -> None:
    """A clock time wins; else the day parts (several widen: "morning or afternoon");
    else "tonight" means the evening."""
    if draft.time_from is not None or draft.time_to is not None:
        return
    if draft.day_windows:
        draft.time_from = min(window[0] for window in draft.day_windows)
        draft.time_to = max(window[1] for window in draft.day_windows)
    elif draft.tonight:
        draft.time_from, draft.time_to = EVENING
