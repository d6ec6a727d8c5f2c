"""Human report grouped by file (rich; honours NO_COLOR). Key bytes never reach it."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from generator.lint.finding import Finding, Severity
from generator.lint.result import LintResult, severity_counts

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
    where = f"line {f.line}" if f.line else "file"
    sev = f.severity.value
    head = (f"  [{_STYLE[f.severity]}]{sev}[/] [bold]{escape(f.rule_id)}[/] {where}: "
            f"{escape(f.message)}")
    if f.fingerprint:
        head += f" [dim]{escape(f.fingerprint)}[/]"
    lines = [head]
    if f.detail:
        lines.append(f"      found via: {escape(f.detail)}")
    if fix:
        lines.append(f"      fix: {escape(fix)}")
    return lines


def write(result: LintResult, stream: TextIO) -> None:
    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False)
    fixes = {r.id: r.fix for r in result.rules.values()}
    for path, group in groupby(result.findings, key=lambda f: f.path):
        items = list(group)
        tag = " [cyan](ships in package)[/]" if items[0].in_package else ""
        console.print(f"[bold underline]{escape(path)}[/]{tag}")
        for f in items:
            for line in _finding_lines(f, fixes.get(f.rule_id, "")):
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
        console.print(f"[bold green]No private key material found[/]: {scanned}, "
                      f"{len(result.suppressed)} suppressed")
