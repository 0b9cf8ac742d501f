"""Making roster text safe to print: no control or format characters reach a terminal."""

from __future__ import annotations

import unicodedata


def safe(value: object) -> str:
    """Printable text: control and format characters become visible ``\\xNN`` escapes."""
    out = []
    for ch in str(value):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch != "\u200d":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)
