"""Many short texts held compactly: one after another in one buffer of UTF-8.

An import holds every duty rule of a directory between reading and writing it, 1.5
million for the world benchmark, mostly dated shifts of 34 characters. A str of 34
characters is 83 bytes, 91 in a list; packed here it is 38. Used for the rules as read
from a CSV file (``formats.readers.RawDuty``) and as validated (``domain.rules.Duty``).
"""

from __future__ import annotations

from array import array
from itertools import accumulate


class PackedTexts:
    """A list of texts, appended and read back in order; equal when the texts are."""

    __slots__ = ("_utf8", "_ends")

    def __init__(self) -> None:
        self._utf8 = bytearray()  # every text, encoded, one after another
        # Where each ends in it: 32 bits hold 4 GB, more than any file ctcontacts reads
        # (limits.MAX_FILE_BYTES) or any contact's rules (limits.MAX_RULES_PER_CONTACT
        # of limits.MAX_RULE_CHARS).
        self._ends = array("I")

    def append(self, text: str) -> None:
        self._utf8 += text.encode()
        self._ends.append(len(self._utf8))

    def extend(self, texts: list[str]) -> None:
        """``append`` of each of ``texts``; a list of ASCII texts (the usual duty rules)
        in one join, not one encode each."""
        joined = "".join(texts)
        if not joined.isascii():
            for text in texts:
                self.append(text)
            return
        ends = accumulate(map(len, texts), initial=len(self._utf8))
        next(ends)  # (the initial value: where the first text begins)
        self._utf8 += joined.encode("ascii")
        self._ends.extend(ends)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        i = range(len(self._ends))[i]  # (negative indexes, and IndexError, as a list's)
        return self._utf8[self._ends[i - 1] if i else 0:self._ends[i]].decode()

    def __iter__(self):
        whole = self._utf8.decode()
        if len(whole) == len(self._utf8):  # all ASCII: byte offsets are character offsets
            begin = 0
            for end in self._ends:
                yield whole[begin:end]
                begin = end
        else:
            for i in range(len(self._ends)):
                yield self[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PackedTexts):
            return NotImplemented
        return self._utf8 == other._utf8 and self._ends == other._ends  # the same bytes, cut alike

    __hash__ = None

    def __repr__(self) -> str:
        return f"PackedTexts({list(self)!r})"
