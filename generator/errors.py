"""The ScaffoldError tree. cli._EXIT_CODES maps each kind to its exit code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class ScaffoldError(Exception):
    """A user error: bad input, a path that cannot be used. cli.py maps it to exit code 2."""


class Problem(NamedTuple):
    """One thing wrong with the answers: which field, what is wrong, how to fix it."""

    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} ({self.fix})"


class SpecError(ScaffoldError):
    """Every problem found in the answers, collected before raising."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class TargetError(ScaffoldError):
    """The output directory cannot be written as asked."""


class AnswersFileError(ScaffoldError):
    """The --answers file cannot be read or parsed."""


class LintUsageError(ScaffoldError):
    """A lint path or option cannot be used (missing path, bad config, not a git repository)."""


class ScanIncomplete(ScaffoldError):
    """A lint process ended without handing back its share of the files (killed, out of
    memory): nothing can be said about those files, so the run fails closed with exit 2."""


class EndOfInput(ScaffoldError):
    """Input ended at a prompt (stdin closed or Ctrl-D): a user error, not an interrupt."""


class TemplateBug(Exception):
    """A template rendered invalid output: a bug in scaffold (cli.py: exit code 3)."""
