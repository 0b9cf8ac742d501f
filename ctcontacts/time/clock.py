""""Now", the user's own zone, and reading ``--at`` values.

``CTCONTACTS_NOW`` (an ISO 8601 instant) pins "now" for tests and for
reproducing an answer; nothing else in the code reads the system clock.
"""

from __future__ import annotations

import os
import time

from ..base.errors import UsageError
from .isotime import ISOError, parse_stamp
from .zones import Zone, find_zone_name, lookup_zone, place_zone_name, unknown_zone_message
from .isotime import naive_to_seconds

ENV_NOW = "CTCONTACTS_NOW"


def now() -> int:
    pinned = os.environ.get(ENV_NOW)
    if pinned:
        try:
            stamp = parse_stamp(pinned)
        except ISOError:
            from ..base.text import clip

            raise UsageError(f"{ENV_NOW}={clip(pinned)} is not an ISO 8601 instant; fix or unset it.") from None
        return stamp.instant if stamp.offset is not None else naive_to_seconds(stamp.wall)
    return int(time.time())


def user_zone_name() -> str:
    """The user's own IANA zone: ``$TZ``, else /etc/localtime's link, else /etc/timezone, else UTC."""
    # The user's own clock is read as the system names it (TZ=EST5EDT included); only
    # zones someone types (--tz) or a roster gives must name a place.
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and find_zone_name(tz):
        return find_zone_name(tz)
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if find_zone_name(name):
                return find_zone_name(name)
    except OSError:
        pass
    try:
        with open("/etc/timezone", encoding="utf-8") as f:
            name = f.read().strip()
        if find_zone_name(name):
            return find_zone_name(name)
    except OSError:
        pass
    return "UTC"


def zone_option(name: str | None) -> Zone:
    """``--tz``: an IANA zone, or the user's own when not given."""
    if name is None:
        return lookup_zone(user_zone_name())
    found = place_zone_name(name)
    if found is None:
        raise UsageError(unknown_zone_message(name) + " (--tz)")
    return lookup_zone(found)


def parse_when(text: str | None, zone: Zone, option: str = "--at") -> int:
    """``--at``/``--from``: ISO 8601 with an offset, or a local time read in ``zone`` by RFC 5545."""
    if text is None or text.strip().lower() == "now":
        return now()
    try:
        stamp = parse_stamp(text)
    except ISOError as e:
        # Say why when the form was right but the value was not (a day that does not
        # exist, a year out of range); a wrong form needs only the example.
        from ..base.text import clip, shorten

        reason = str(e).split("; ")[0].replace(clip(text, 200) + " ", "")
        why = "" if "not an ISO 8601" in reason else f" ({shorten(reason, 200)})"
        raise UsageError(
            f"cannot read {option} {clip(text)}{why}; write an ISO 8601 time such as 2026-12-24T03:00+01:00, "
            "2026-12-24T02:00Z, or 2026-12-24T03:00 (read in --tz)."
        ) from None
    if stamp.offset is not None:
        return stamp.instant
    return zone.to_utc(stamp.wall)
