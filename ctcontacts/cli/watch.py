"""``now --watch``: the network's board on an operations-room screen, redrawn every
few seconds, each change of duty highlighted as it happens.

On a terminal the board fills the screen (rich's ``Live`` on the alternate screen,
which is given back as it was when the watch ends); written to a file or a pipe, each
frame follows the last. Ctrl-C ends the watch: exit 0, the terminal as it was.

Time goes on from the moment asked about: from now, or from ``CTCONTACTS_NOW`` when it
is pinned (a replay, for a drill or a test), by the seconds that pass on the clock.
"""

from __future__ import annotations

import time

# How long, in seconds of board time, a member's row stays highlighted after its duty changed.
HIGHLIGHT = 15 * 60
# How many changes of duty are listed under the board, latest last.
LOG = 5


def watch_board(compute, draw, *, every: int, start: int, user, first, out=None, sleep=time.sleep,
                monotonic=time.monotonic, frames: int | None = None) -> int:
    """Draw ``first`` (what ``now`` computed for ``start``), then every ``every``
    seconds what ``compute(instant)`` gives, until Ctrl-C (or ``frames`` frames, for
    tests). ``draw(render, result, out=console, changed={key: "HH:MM:SS"})`` draws one
    board. Returns the exit code: 0."""
    from rich.live import Live

    from . import render
    from .layout import emit, flow, line, whole

    out = out if out is not None else render.stdout()
    board = _Board(user)

    def frame(result):
        capture = _capture(out)
        draw(render, result, out=capture, changed=board.changes(result[1], result[2]))
        lines = []
        if board.log:
            lines += flow(line(("Changes of duty:", "bold")), capture.width)
            for when, text in board.log[-LOG:]:
                lines += flow(line(whole(when, "bold"), text), capture.width, 2)
        lines += flow(line((f"Redrawn every {every} s; Ctrl-C to stop.", "dim")), capture.width)
        emit(capture, lines)
        return capture.file.getvalue()

    t0 = monotonic()
    result, n = first, 0
    try:
        if out.is_terminal:
            from rich.text import Text

            with Live(console=out, screen=True, auto_refresh=False, redirect_stdout=False,
                      redirect_stderr=False) as live:
                while True:
                    live.update(Text.from_ansi(frame(result), no_wrap=True, overflow="crop"), refresh=True)
                    n += 1
                    if frames is not None and n >= frames:
                        break
                    result = _next(compute, start, t0, n, every, sleep, monotonic)
        else:
            while True:
                if n:
                    out.file.write("\n")
                out.file.write(frame(result))
                out.file.flush()
                n += 1
                if frames is not None and n >= frames:
                    break
                result = _next(compute, start, t0, n, every, sleep, monotonic)
    except KeyboardInterrupt:
        pass  # the way to end a watch: the screen is given back, and all is well
    return 0


def _next(compute, start: int, t0: float, n: int, every: int, sleep, monotonic):
    """Wait for the ``n``-th tick, then compute the board for the time it is then."""
    wait = t0 + n * every - monotonic()
    if wait > 0:
        sleep(wait)
    return compute(start + int(monotonic() - t0))


class _Board:
    """What each member's duty was at the last frame, and when it last changed."""

    def __init__(self, user):
        self.user = user
        self.seen: dict[tuple[str, str], tuple[tuple, dict]] = {}
        self.changed: dict[tuple[str, str], int] = {}
        self.log: list[tuple[str, str]] = []

    def changes(self, at: int, entries: list[dict]) -> dict:
        """Note the changes of duty at ``at``; the highlighted members, with when."""
        from ..views.board import duty_key

        for e in entries:
            key = (e["network"], e["member"])
            now = duty_key(e)
            before = self.seen.get(key)
            if before is not None and before[0] != now:
                self.changed[key] = at
                self.log.append((self._clock(at), f"{e['network']} {e['member']}: {_who(before[1])} -> {_who(e)}"))
            self.seen[key] = (now, e)
        for key, when in list(self.changed.items()):
            if at - when > HIGHLIGHT:
                del self.changed[key]
        return {key: self._clock(when) for key, when in self.changed.items()}

    def _clock(self, at: int) -> str:
        return self.user.to_local(at).strftime("%H:%M:%S")


def _who(entry: dict) -> str:
    if not entry["on_duty"]:
        return "nobody on duty" if entry["status"] != "no_roster" else "no roster"
    return ", ".join(f"{d['rank']} {d['name']}" for d in entry["on_duty"])


def _capture(out):
    """A console like ``out`` (width, colours) that keeps what is drawn on it."""
    import io

    from rich.console import Console

    return Console(file=io.StringIO(), width=out.width, height=out.height, force_terminal=out.is_terminal,
                   color_system=out.color_system, highlight=False, emoji=False, legacy_windows=False)
