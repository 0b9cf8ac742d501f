"""Who covers a member over a window: gaps, backup-only stretches, shifts.

Pure, like the engine it builds on: every answer here comes from
``engine.duty_intervals``, the one implementation of the duty semantics.
"""

from __future__ import annotations

from collections.abc import Sequence

from .engine import Span, duty_intervals, merge, subtract
from .model import Contact
from ..base.values import field, value_class
from ..time.zones import lookup_zone


@value_class
class ContactSpans:
    contact: Contact
    spans: list[Span]


@value_class
class MemberCoverage:
    """One member over ``[start, end)``: each contact's duty, the gaps where nobody is
    on duty, and the stretches where only contacts of rank 2 or more are."""

    member: str
    start: int
    end: int
    roster: bool
    contacts: list[ContactSpans] = field(default_factory=list)
    covered: list[Span] = field(default_factory=list)
    gaps: list[Span] = field(default_factory=list)
    backup_only: list[Span] = field(default_factory=list)


def member_coverage(member: str, contacts: Sequence[Contact] | None, start: int, end: int) -> MemberCoverage:
    """Coverage of one member's roster (``None``: the member has no roster)."""
    cov = MemberCoverage(member, start, end, roster=contacts is not None)
    if not contacts:
        cov.gaps = [(start, end)] if start < end else []
        return cov
    top: list[Span] = []
    for c in contacts:
        spans = duty_intervals(c.duty, lookup_zone(c.timezone), start, end)
        cov.contacts.append(ContactSpans(c, spans))
        if c.rank == 1:
            top.extend(spans)
    cov.covered = merge(s for cs in cov.contacts for s in cs.spans)
    cov.gaps = subtract([(start, end)], cov.covered) if start < end else []
    cov.backup_only = subtract(cov.covered, merge(top))
    return cov


def _seconds_in(spans: list[Span], s: int, e: int, at: int) -> tuple[int, int]:
    """Seconds of ``[s, e)`` that sorted, disjoint ``spans`` cover, and where to start
    looking for the next slice (slices come in order)."""
    while at < len(spans) and spans[at][1] <= s:
        at += 1
    total, j = 0, at
    while j < len(spans) and spans[j][0] < e:
        total += min(e, spans[j][1]) - max(s, spans[j][0])
        j += 1
    return total, at


def week_hours(cov: MemberCoverage, zone) -> list[list[tuple[int, int, int] | None]]:
    """A 7 x 24 grid (Monday first, hours of ``zone``): for each weekday and hour,
    ``(seconds, gap, backup_only)``: how many seconds of the window fall in that hour
    of that weekday, over all its dates, and how many of them had nobody on duty, or
    backups only. ``None`` where the window never reaches. A quarter-hour uncovered on
    one date weighs what it lasted, not the whole weekday."""
    grid: list[list[list[int] | None]] = [[None] * 24 for _ in range(7)]
    # Quarter hours: every zone's offset is a multiple of 15 minutes (Kathmandu is
    # +05:45), so each slice lies inside one local hour.
    step = 900
    t = cov.start - cov.start % step
    gaps_at = backups_at = 0
    while t < cov.end:
        s, e = max(t, cov.start), min(t + step, cov.end)
        gap, gaps_at = _seconds_in(cov.gaps, s, e, gaps_at)
        backup, backups_at = _seconds_in(cov.backup_only, s, e, backups_at)
        local = s + zone.offset_at(s)
        day, hour = (local // 86400 + 3) % 7, local % 86400 // 3600  # 1970-01-01 was a Thursday
        cell = grid[day][hour]
        if cell is None:
            cell = grid[day][hour] = [0, 0, 0]
        cell[0] += e - s
        cell[1] += gap
        cell[2] += backup
        t += step
    return [[tuple(c) if c is not None else None for c in row] for row in grid]
