"""Human report grouped by file (rich; honours NO_COLOR). Key bytes never reach it.

A clean result written where rich would not style it (not a terminal, colour not forced) is
written without importing rich: the same one line, at a fraction of a pre-commit run's start-up.
"""

from __future__ import annotations

import os
from itertools import groupby
from typing import TextIO

from generator.lint.finding import Finding, Severity
from generator.lint.result import LintResult, fix_for, severity_counts

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n = n / 1000  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _finding_lines(f: Finding, fix: str) -> list[str]:
    from rich.markup import escape

    where = f"line {f.line}" if f.line else "file"
    sev = f.severity.value
    head = (f"  [{_STYLE[f.severity]}]{sev}[/] [bold]{escape(f.rule_id)}[/] {where}: "
            f"{escape(f.message)}")
    if f.fingerprint:
        head += f" [dim]{escape(f.fingerprint)}[/]"
    lines = [head]
    if f.detail:
        lines.append(f"      found via: {escape(f.detail)}")
    if f.origin is not None:
        lines.append(f"      {escape(_commit(f))}")
    if fix:
        lines.append(f"      fix: {escape(fix)}")
    return lines


def _commit(f: Finding) -> str:
    o = f.origin
    assert o is not None  # noqa: S101 - for mypy
    state = "still in HEAD" if o.in_head else "no longer in HEAD"
    older = "; shallow clone: may be older" if o.boundary else ""
    return f"commit {o.commit.id[:12]} by {o.commit.author} on {o.commit.date} ({state}{older})"


def _styled(stream: TextIO) -> bool:
    """Would rich style output to `stream`? (its Console.is_terminal, without importing it)"""
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return stream.isatty()
    except ValueError:
        return False


def clean_line(result: LintResult) -> str:
    scanned = (f"{_plural(result.files_scanned, 'file')} "
               f"({_size(result.bytes_scanned)}) scanned")
    return f"No private key or credential found: {scanned}, {len(result.suppressed)} suppressed"


def write(result: LintResult, stream: TextIO) -> None:
    if not result.findings and not result.suppressed and not _styled(stream):
        stream.write(clean_line(result) + "\n")
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False)
    for path, group in groupby(result.findings, key=lambda f: f.path):
        items = list(group)
        tag = " [cyan](ships in package)[/]" if items[0].in_package else ""
        console.print(f"[bold underline]{escape(path)}[/]{tag}")
        for f in items:
            for line in _finding_lines(f, fix_for(f, result.rules)):
                console.print(line)
        console.print()
    if result.suppressed:
        console.print(f"[bold]Suppressed ({len(result.suppressed)})[/], review each reason:")
        for s in result.suppressed:
            f = s.finding
            loc = f"{f.path}:{f.line}" if f.line else f.path
            fp = f" {f.fingerprint}" if f.fingerprint else ""
            console.print(f"  {escape(loc)} {escape(f.rule_id)}{escape(fp)}: "
                          f"{escape(s.reason)} [dim]({s.source}, {escape(s.where)})[/]")
        console.print()
    counts = severity_counts(result.findings)
    scanned = (f"{_plural(result.files_scanned, 'file')} "
               f"({_size(result.bytes_scanned)}) scanned")
    if result.findings:
        files = len({f.location.file for f in result.findings})
        console.print(
            f"[bold red]{_plural(len(result.findings), 'finding')}[/] "
            f"({_plural(counts[Severity.ERROR], 'error')}, "
            f"{_plural(counts[Severity.WARNING], 'warning')}) in {_plural(files, 'file')}; "
            f"{scanned}, {len(result.suppressed)} suppressed")
    else:
        console.print(f"[bold green]No private key or credential found[/]: {scanned}, "
                      f"{len(result.suppressed)} suppressed")
