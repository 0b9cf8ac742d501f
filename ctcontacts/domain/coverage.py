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


GAP, BACKUP, COVERED, OUTSIDE = "gap", "backup", "covered", "outside"
_WORST = {GAP: 0, BACKUP: 1, COVERED: 2, OUTSIDE: 3}


def _overlaps(spans: list[Span], s: int, e: int) -> bool:
    return any(a < e and b > s for a, b in spans)


def week_grid(cov: MemberCoverage, zone) -> list[list[str]]:
    """A 7 x 24 grid (Monday first, hours of ``zone``): for each weekday and hour, the
    worst state seen in any hour of the window that falls there — a gap, backups
    only, or covered by rank 1. Cells the window never reaches are ``outside``."""
    grid = [[OUTSIDE] * 24 for _ in range(7)]
    # Quarter hours: every zone's offset is a multiple of 15 minutes (Kathmandu is
    # +05:45), so each slice lies inside one local hour.
    step = 900
    t = cov.start - cov.start % step
    while t < cov.end:
        s, e = max(t, cov.start), min(t + step, cov.end)
        state = GAP if _overlaps(cov.gaps, s, e) else BACKUP if _overlaps(cov.backup_only, s, e) else COVERED
        wall = zone.wall(s)
        cell = grid[wall.weekday()][wall.hour]
        if _WORST[state] < _WORST[cell]:
            grid[wall.weekday()][wall.hour] = state
        t += step
    return grid
