"""How old a roster or an entry may be before answers and ``check`` say so: one rule.

A network sets how often its members must send a roster (``Network.roster_max_age_days``:
a year for the Council of Europe networks, which ask for yearly updates; a quarter for
``iactn``, which CICTE redistributes quarterly). An entry's verification date is old
after a year, in every network.
"""

from __future__ import annotations

import datetime as dt

ENTRY_MAX_AGE_DAYS = 365


def today(now: int) -> dt.date:
    """The UTC date of the instant ``now``: what ages are counted from."""
    return dt.datetime.fromtimestamp(now, dt.timezone.utc).date()


def age_days(date_text: str | None, now: int) -> int | None:
    """Whole days from ``date_text`` (YYYY-MM-DD) to ``now``; ``None`` without a date."""
    if not date_text:
        return None
    return (today(now) - dt.date.fromisoformat(date_text)).days


def roster_too_old(issued: str | None, now: int, max_age_days: int) -> int | None:
    """The roster's age in days when it is older than its network allows, else ``None``."""
    age = age_days(issued, now)
    return age if age is not None and age > max_age_days else None


def entry_too_old(verified: str | None, now: int) -> int | None:
    """The entry's age in days when it was last verified more than a year ago, else ``None``."""
    age = age_days(verified, now)
    return age if age is not None and age > ENTRY_MAX_AGE_DAYS else None
