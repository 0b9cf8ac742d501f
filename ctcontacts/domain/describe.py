"""Duty rules in words, for people reading a contact list."""

from __future__ import annotations

from .rules import DAYS, Always, Interval, Off, Recurrence, Rule, RuleError, Weekly, parse_stored

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FREQ = {"YEARLY": "year", "MONTHLY": "month", "WEEKLY": "week", "DAILY": "day", "HOURLY": "hour",
        "MINUTELY": "minute", "SECONDLY": "second"}


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _days(days: list[int]) -> str:
    """Mon-Fri, Sat, Sun; runs of three or more are ranges."""
    days = sorted(days)
    if days == list(range(7)):
        return "every day"
    parts, run = [], [days[0]]
    for d in days[1:]:
        if d == run[-1] + 1:
            run.append(d)
        else:
            parts.append(run)
            run = [d]
    parts.append(run)
    out = []
    for r in parts:
        if len(r) >= 3:
            out.append(f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}")
        else:
            out.extend(DAY_NAMES[d] for d in r)
    return ", ".join(out)


def _weekly(rule: Weekly) -> str:
    by_time: dict[tuple[int, int], list[int]] = {}
    for w in rule.windows:
        by_time.setdefault((w.start, w.end), []).append(w.weekday)
    parts = []
    for (start, end), days in sorted(by_time.items(), key=lambda kv: (min(kv[1]), kv[0])):
        if start == 0 and end == 86400:
            span = "all day"
        else:
            span = f"{_hhmm(start)}-{_hhmm(end % 86400) if end != 86400 else '24:00'}"
            if end <= start:
                span += " (overnight, to the next day)"
        parts.append(f"{_days(days)} {span}")
    return "; ".join(parts)


def _rrule(text: str) -> str:
    parts = dict(p.split("=", 1) for p in text.upper().split(";") if "=" in p)
    unit = FREQ.get(parts.get("FREQ", ""), parts.get("FREQ", "?").lower())
    n = int(parts.get("INTERVAL", "1") or 1)
    out = f"every {unit}" if n == 1 else f"every {n} {unit}s"
    if "BYDAY" in parts:
        names = []
        for d in parts["BYDAY"].split(","):
            code = d[-2:].title()
            prefix = d[:-2]
            name = DAY_NAMES[DAYS.index(code)] if code in DAYS else d
            names.append(f"{prefix} {name}".strip() if prefix else name)
        out += " on " + ", ".join(names)
    if "BYMONTHDAY" in parts:
        out += f" on day {parts['BYMONTHDAY']}"
    if "BYMONTH" in parts:
        out += f" in month {parts['BYMONTH']}"
    if "COUNT" in parts:
        out += f", {parts['COUNT']} times"
    rest = [f"{k}={v}" for k, v in parts.items()
            if k not in ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "WKST")]
    if rest:
        out += f" ({';'.join(rest)})"  # said as written rather than said wrong
    return out


def describe(rule: Rule) -> str:
    """``Mon-Fri 08:00-18:00``, ``always``, ``every 2 weeks on Mon, starting 2026-11-02 09:00, each for 7 days``."""
    if isinstance(rule, Always):
        return "always (24/7)"
    if isinstance(rule, Weekly):
        return _weekly(rule)
    if isinstance(rule, Interval):
        if rule.start is not None and rule.end is not None:
            return f"from {_stamp(rule.start)} to {_stamp(rule.end)}"
        if rule.start is not None:
            return f"from {_stamp(rule.start)} for {duration_words(rule.duration)}"
        return f"for {duration_words(rule.duration)} until {_stamp(rule.end)}"
    if isinstance(rule, Recurrence):
        until = f", until {_stamp(rule.until)}" if rule.until else ""
        start = rule.start.strftime("%Y-%m-%d %H:%M") + (f" ({rule.timezone})" if rule.timezone else "")
        if rule.end is not None:
            days = (rule.end.date() - rule.start.date()).days
            later = "" if not days else " the next day" if days == 1 else f" {days} days later"
            length = f"each to {rule.end:%H:%M}{later} (wall clock)"
        else:
            length = f"each for {duration_words(rule.duration)}"
        return f"{_rrule(rule.rrule)}, starting {start}, {length}{until}"
    if isinstance(rule, Off):
        return f"NOT on duty: {describe(rule.rule)}"
    return rule.text()  # pragma: no cover


def duration_words(d) -> str:
    """An ISO 8601 duration as people say it: ``PT12H`` is ``12 hours``, ``P3D``
    ``3 days``, ``P1DT12H`` ``1 day 12 hours``, ``PT30M`` ``30 minutes``."""
    h, rest = divmod(d.seconds, 3600)
    m, s = divmod(rest, 60)
    parts = [(d.years, "year"), (d.months, "month"), (d.days, "day"), (h, "hour"), (m, "minute"), (s, "second")]
    words = [f"{n:,} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return " ".join(words) or "0 seconds"


def _stamp(stamp) -> str:
    text = str(stamp).replace("T", " ")
    return text if stamp.offset is not None else f"{text} (local)"


def describe_text(text: str) -> str:
    """A stored rule in words; one beyond the limits is said to be so, not evaluated."""
    try:
        return describe(parse_stored(text))
    except RuleError as e:
        return f"NOT EVALUATED (beyond ctcontacts' limits): {e}"
