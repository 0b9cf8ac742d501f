"""The one family of errors ctcontacts raises on purpose.

The core raises these; the command layer turns each into one plain sentence on
stderr and the exit code the contract gives it. Nothing else should reach a user.
"""

from __future__ import annotations

from .limits import MAX_PROBLEMS
from .values import value_class


class CtContactsError(Exception):
    """Base class: a problem the user can act on. ``exit_code`` follows the contract."""

    exit_code = 2


class UsageError(CtContactsError):
    """Unknown country, network or zone, a bad ``--at``: exit 2."""

    exit_code = 2


@value_class(frozen=True)
class Problem:
    """One validation problem in an input file, located as precisely as we can."""

    file: str
    where: str  # "row 7" or a JSON path such as "rosters[0].contacts[2]"
    field: str  # "" when the problem is about the whole row or file
    reason: str

    def __str__(self) -> str:
        field = f", field {self.field!r}" if self.field else ""
        return f"{self.file}: {self.where}{field}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "where": self.where, "field": self.field, "reason": self.reason}


class Problems(list):
    """The problems of an import, kept up to ``limits.MAX_PROBLEMS``: a file of two
    million bad rows must not print (nor hold) two million lines. ``dropped`` counts
    the rest, and ``full`` tells a reader it may stop reading."""

    def __init__(self, problems=()):
        super().__init__()
        self.dropped = 0
        self.extend(problems)

    @property
    def full(self) -> bool:
        return len(self) >= MAX_PROBLEMS

    def append(self, problem: Problem) -> None:
        if self.full:
            self.dropped += 1
        else:
            super().append(problem)

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)
        self.dropped += getattr(problems, "dropped", 0)

    def __iadd__(self, problems):
        self.extend(problems)
        return self


class InvalidInput(CtContactsError):
    """One or more input files failed validation; nothing was written."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        self.dropped = getattr(problems, "dropped", 0)
        n = len(problems)
        found = (f"more than {n:,} problems found (the first {n:,} are listed)" if self.dropped
                 else f"{n} problem{'s' if n != 1 else ''} found")
        super().__init__(f"{found}; nothing was imported. Fix the file(s) and import again.")


class OutputError(CtContactsError):
    """Standard output is closed, full or gone (a reader such as ``head`` stopped
    reading): exit 2. ``quiet`` when there is nothing to say (a closed pipe)."""

    exit_code = 2

    def __init__(self, message: str, quiet: bool = False):
        super().__init__(message)
        self.quiet = quiet


class DatabaseError(CtContactsError):
    """The database is missing, locked past its timeout, corrupt or too new: exit 3."""

    exit_code = 3
