"""What a search asks for, in one description: the parser produces it from the typed text
(`parser.ParsedQuery` adds the words it could not place), structured parameters refine it
(`criteria.py`), and the executor filters by it. Dates and times are local to New York
(PRODUCT.md §2). Plain values only: no search imports, so every search module can use it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Location:
    name: str
    borough: str
    kind: str
    lat: float
    lon: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "borough": self.borough, "kind": self.kind, "lat": self.lat, "lon": self.lon}


@dataclass(frozen=True)
class SearchCriteria:
    """The filters a search applies. `time_to` None with `time_from` set means "until midnight"."""

    text: str
    service: str | None = None
    category: str | None = None
    age_group: str | None = None
    skill_level: str | None = None
    format: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    location: Location | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    time_from: dt.time | None = None
    time_to: dt.time | None = None

    @property
    def has_price(self) -> bool:
        return self.min_price_cents is not None or self.max_price_cents is not None

    @property
    def has_time(self) -> bool:
        return self.time_from is not None or self.time_to is not None

    @property
    def has_date(self) -> bool:
        return self.date_from is not None

    def minutes(self) -> tuple[int, int]:
        """The asked time of day as local minutes [from, to); the whole day when none."""
        start = 0 if self.time_from is None else self.time_from.hour * 60 + self.time_from.minute
        if self.time_to is None:
            return start, MINUTES_PER_DAY
        # "at 11pm" ends at 23:59 in the parse: that last minute stands for midnight.
        end = self.time_to.hour * 60 + self.time_to.minute
        return start, MINUTES_PER_DAY if end == MINUTES_PER_DAY - 1 else end

    def query_dict(self) -> dict[str, Any]:
        """The response's `query` object (PRODUCT.md §2)."""
        return {
            "text": self.text,
            "service": self.service,
            "category": self.category,
            "age_group": self.age_group,
            "skill_level": self.skill_level,
            "format": self.format,
            "min_price_cents": self.min_price_cents,
            "max_price_cents": self.max_price_cents,
            "location": self.location.to_dict() if self.location else None,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "time_from": self.time_from.strftime("%H:%M") if self.time_from else None,
            "time_to": self.time_to.strftime("%H:%M") if self.time_to else None,
        }
