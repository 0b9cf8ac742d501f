"""Making roster text safe to print: no control or format characters reach a terminal."""

from __future__ import annotations

import unicodedata


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
