"""Making roster text safe to print: no control or format characters reach a terminal."""

from __future__ import annotations

import re
import unicodedata

LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def unsafe(ch: str) -> bool:
    """A character that can steer a terminal or hide text: controls (ESC, BEL, CR…),
    format characters (bidi overrides), lone surrogates and line/paragraph separators. The zero-width
    joiner is allowed; names in some scripts need it."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") and ch != "\u200d"


def safe(value: object) -> str:
    """Printable text: unsafe characters become visible ``\\xNN`` escapes."""
    out = []
    for ch in str(value):
        if unsafe(ch):
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


# Longer than any name a suggestion could be about (country, zone, network, field):
# such text is not a typo, and ``difflib`` need not look at it.
MAX_SUGGEST_CHARS = 100


def close_matches(word: str, possibilities, n: int = 1, cutoff: float = 0.6) -> list[str]:
    """``difflib.get_close_matches`` for "did you mean": nothing for text too long to
    be a typo of a name, so a 100 kB argument costs nothing."""
    if len(word) > MAX_SUGGEST_CHARS:
        return []
    import difflib

    return difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)


def clip(value: object, limit: int = 60) -> str:
    """``repr`` of a value for a message, cut to about ``limit`` characters: an error
    must not echo back a 100 kB argument or a 50 MB field."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit]) + f"… ({len(text):,} characters)"


def given(value: str | None, option: str) -> str | None:
    """An option's value as typed: ``None`` when it was not given, a ``UsageError`` when
    it was given empty (``--network ''`` must not quietly mean "every network")."""
    if value is not None and not value.strip():
        from .errors import UsageError

        raise UsageError(f"{option} is empty; give a value, or leave the option out.")
    return value


def shorten(value: object, limit: int = 60) -> str:
    """The text of a value for a message, unquoted, cut like ``clip``."""
    text = str(value)
    if len(text) <= limit:
        return text
    return text[:limit] + f"… ({len(text):,} characters)"


def kind_of(mode: int) -> str:
    """What a path that is not a regular file is, for a message."""
    import stat

    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISBLK(mode):
        return "a block device (a disk)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    return "not a regular file"
