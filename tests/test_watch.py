"""``now --watch``: the board on an operations-room screen, redrawn as time goes by,
each change of duty highlighted, and Ctrl-C ending it cleanly (issue 14)."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest
from rich.console import Console

from ctcontacts.cli.watch import watch_board
from ctcontacts.time.zones import lookup_zone


def entry(member: str, status: str, *names: str) -> dict:
    return {"network": "ftf", "member": member, "status": status, "member_status": "member",
            "timezone": "Europe/Paris", "local_time": "2026-11-29T08:00:00+01:00",
            "on_duty": [{"id": n.lower(), "name": n, "rank": 1, "phones": ["+33199001001"],
                         "phones_international": ["+33 1 99 00 10 01"], "dial": None, "email": "",
                         "until": None, "reach_changed": None} for n in names],
            "next": [], "demo": False, "not_evaluated": {}, "member_name": member, "on_duty_not_speaking": []}


class Clock:
    """Monotonic time that moves only when the watch sleeps."""

    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def boards():
    """Three frames: BE's desk hands over to the night line at the second."""
    return {0: [entry("BE", "covered", "Day desk"), entry("FR", "covered", "Desk")],
            30: [entry("BE", "covered", "Night line"), entry("FR", "covered", "Desk")],
            60: [entry("BE", "nobody"), entry("FR", "covered", "Desk")]}


def instant(text: str) -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def run_watch(out: Console, frames: int, interrupt_after: int | None = None):
    user = lookup_zone("UTC")
    start = instant("2026-11-29T07:00:00Z")
    clock, frames_by = Clock(), boards()
    seen = []

    def compute(at):
        seen.append(at - start)
        if interrupt_after is not None and len(seen) >= interrupt_after:
            raise KeyboardInterrupt
        return (user, at, frames_by[at - start], [], None, ["ftf"], None)

    def draw(render_, r, out=None, changed=None):
        render_.now_board(r[2], r[0], r[1], out, changed=changed)

    code = watch_board(compute, draw, every=30, start=start, user=user, first=compute(start), out=out,
                       sleep=clock.sleep, monotonic=clock, frames=frames)
    return code, seen


def test_each_frame_follows_the_last_off_a_terminal():
    out = Console(file=io.StringIO(), width=100, force_terminal=False, color_system=None)
    code, seen = run_watch(out, frames=3)
    text = out.file.getvalue()
    assert code == 0 and seen == [0, 30, 60]  # each frame is the board 30 s later
    assert text.count("Redrawn every 30 s; Ctrl-C to stop.") == 3
    assert "changed 07:00:30" in text and "changed 07:01:00" in text
    assert "07:00:30 ftf BE: 1 Day desk -> 1 Night line" in text
    assert "07:01:00 ftf BE: 1 Night line -> nobody on duty" in text


def test_on_a_terminal_the_board_fills_the_screen_and_gives_it_back_on_ctrl_c():
    out = Console(file=io.StringIO(), width=100, height=30, force_terminal=True, color_system="truecolor")
    code, seen = run_watch(out, frames=None, interrupt_after=3)  # Ctrl-C while the third board is computed
    text = out.file.getvalue()
    assert code == 0
    assert text.startswith("\x1b[?1049h")  # the alternate screen: what was on the terminal is kept
    assert text.rstrip().endswith("\x1b[?1049l") or "\x1b[?1049l" in text[-40:]  # and given back
    assert "\x1b[?25h" in text  # the cursor is shown again
    assert "changed 07:00:30" in text  # the second board, drawn live, highlights BE
    assert "\x1b[7m" in text or "\x1b[1;7m" in text  # in reverse video


def test_a_highlight_fades_after_a_quarter_of_an_hour():
    from ctcontacts.cli.watch import HIGHLIGHT, _Board

    board = _Board(lookup_zone("UTC"))
    board.changes(0, [entry("BE", "covered", "A")])
    assert board.changes(60, [entry("BE", "covered", "B")]) == {("ftf", "BE"): "00:01:00"}
    assert board.changes(60 + HIGHLIGHT, [entry("BE", "covered", "B")]) == {("ftf", "BE"): "00:01:00"}
    assert board.changes(61 + HIGHLIGHT, [entry("BE", "covered", "B")]) == {}


@pytest.mark.parametrize("args,message", [
    (["--watch", "0"], "--watch 0 is out of range"), (["--watch", "5", "--json"], "takes neither --json nor --at"),
    (["--watch", "5", "--at", "2026-11-29T03:00Z"], "takes neither --json nor --at")])
def test_watch_usage_errors(cli, args, message):
    cli("demo")
    result = cli("now", "-n", "ftf", *args)
    assert result.exit_code == 2 and message in result.stderr


def demo_db(tmp_path) -> str:
    db = str(tmp_path / "demo.db")
    subprocess.run([sys.executable, "-m", "ctcontacts", "--db", db, "demo"], check=True, capture_output=True)
    return db


def test_ctrl_c_ends_the_watch_with_exit_0(tmp_path):
    db = demo_db(tmp_path)
    # Two seconds before Belgium's day officer takes over (07:00Z): the watch replays from there.
    env = {**os.environ, "CTCONTACTS_NOW": "2026-11-29T06:59:58Z", "COLUMNS": "100"}
    proc = subprocess.Popen([sys.executable, "-m", "ctcontacts", "--db", db, "now", "-n", "ftf", "--watch", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "interrupted" not in err
    assert out.count("Redrawn every 1 s") >= 3
    assert "ftf BE: 1 Duty officer B (fictional), 1 Duty officer C (fictional) -> 1 Duty officer C" in out
    assert "changed 07:00:0" in out


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_watch_in_a_real_terminal(tmp_path):
    """In tmux: the board fills the pane, highlights the change, and Ctrl-C gives the
    pane back to the shell with exit 0."""
    db = demo_db(tmp_path)
    socket = f"ctcontacts-test-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", socket, "-f", os.devnull]
    script = tmp_path / "run.sh"
    # The pane's own size, as a user's terminal has it: not the COLUMNS the tests run under.
    # (The shell survives the Ctrl-C it passes on, to report the exit code: a trap, not an
    # ignored signal, which the program would inherit.)
    script.write_text(f"unset COLUMNS LINES\ntrap true INT\nexport CTCONTACTS_NOW=2026-11-29T06:59:58Z TZ=UTC CTCONTACTS_DB={db}\n"
                      f"{sys.executable} -m ctcontacts now -n ftf --watch 1\necho EXIT=$?\nsleep 30\n")
    try:
        subprocess.run([*tmux, "new-session", "-d", "-x", "110", "-y", "60", "sh", str(script)], check=True)

        def screen() -> str:
            return subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True, text=True).stdout

        deadline = time.monotonic() + 30
        while "Changes of duty" not in screen() and time.monotonic() < deadline:
            time.sleep(0.3)
        shown = screen()
        assert "Changes of duty" in shown and "changed 07:00:0" in shown, shown
        assert "Belgium (BE)" in shown and "+44 20 7946 0122" in shown
        subprocess.run([*tmux, "send-keys", "C-c"], check=True)
        while "EXIT=" not in screen() and time.monotonic() < deadline:
            time.sleep(0.3)
        after = screen()
        assert "EXIT=0" in after, after
        assert "Changes of duty" not in after  # the alternate screen is gone: the shell's screen is back
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
