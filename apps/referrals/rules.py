"""The referral program's numbers (PRODUCT.md §8), in one place."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ReferralRules:
    student_reward_cents: int = 2000  # each side of "Give $20, get $20"
    min_lesson_cents: int = 8000  # the referred student's first lesson must cost at least this
    hold: timedelta = timedelta(days=7)  # earned → unlocked
    credit_months: int = 6  # an unlocked credit expires this many calendar months later
    cap_per_referrer: int = 20  # rewards one referrer can earn, ever
    day_limit: int = 5  # more attributions than this in 24 h freezes the referrer
    week_limit: int = 15  # … or than this in 7 days
    instructor_reward_cents: int = 5000
    founding_reward_cents: int = 7500  # while the platform has fewer founding instructors than:
    founding_threshold: int = 100
    cookie_days: int = 30  # how long a referral link's attribution lasts


RULES = ReferralRules()


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall time `months` calendar months later; a day the month lacks (31 Aug + 6
    months) becomes the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
