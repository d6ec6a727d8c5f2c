"""The body of `scaffold lint`, free of Typer and click: `cli.lint` (the declared command, its
help and option parsing) and `entry`'s fast path for plain lint invocations both call `run`."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import LintUsageError

if TYPE_CHECKING:
    from rich.console import Console

    from generator.lint.history import Selection


@functools.cache
def console() -> Console:
    """The stderr console, created on first use (importing rich costs more than a clean scan)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def run(paths: list[Path], *, staged: bool = False, history: bool = False,
        since: str | None = None, fmt: str = "text", config: Path | None = None,
        jobs: int = 0) -> int:
    """Scan, write the report to stdout and notes to stderr; return the exit code
    (0 clean, 1 findings, 2 some input unreadable or unchecked). `fmt` is a REPORTERS key:
    both command lines (cli, entry) check it before calling."""
    from generator.lint.engine import Options, scan
    from generator.lint.project import find_root
    from generator.lint.report import REPORTERS

    cwd = Path.cwd()
    chosen = history_selection(paths, history, staged, since)
    if jobs < 0:
        raise LintUsageError(f"--jobs {jobs}: give 0 (automatic), 1 (serial) or more workers")
    opts = Options(jobs=jobs)
    if chosen is not None:
        result = scan([chosen[0]], chosen[0], history=chosen[1], config=config, opts=opts)
    else:
        result = scan(paths, find_root(cwd) or cwd, staged=staged, config=config, opts=opts)
    for note in result.notes:
        console().print("[yellow]note:[/] ", end="")
        console().print(note, markup=False)
    REPORTERS[fmt](result, sys.stdout)
    sys.stdout.flush()
    if result.incomplete:  # unreadable input or a failed detector: never a pass
        return 2
    return 1 if result.findings else 0


def history_selection(args: list[Path], history: bool, staged: bool, since: str | None
                      ) -> tuple[Path, Selection] | None:
    """`--history [--since REV] [REPO] [REV-RANGE...]`: the first argument is the repository
    when it is a directory, every other one a revision as `git log` takes it."""
    if not history:
        if since is not None:
            raise LintUsageError("--since REV needs --history")
        return None
    if staged:
        raise LintUsageError("--history and --staged: choose one (history scans commits, "
                             "--staged the index)")
    from generator.lint.history import Selection

    words = [str(a) for a in args]
    repo = Path.cwd()
    if words and Path(words[0]).is_dir():
        repo = Path(words.pop(0))
    return repo, Selection(tuple(words), since)
