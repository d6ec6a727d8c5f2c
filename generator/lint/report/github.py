"""GitHub Actions workflow commands: one annotation per finding and per suppression."""

from __future__ import annotations

from typing import TextIO

from generator import __version__
from generator.lint.finding import Finding, Severity
from generator.lint.result import LintResult, fix_for


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _where(f: Finding, prefix: str) -> str:
    outer, member = f.location.file, f.location.member
    parts = [f"file={_prop(outer if outer.startswith('/') else prefix + outer)}"]
    if f.line and not member:
        parts.append(f"line={f.line}")
    return ",".join(parts)


def _body(f: Finding) -> str:
    member = f.location.member
    text = f.message
    if member:
        text += f" in archive member {member}" + (f" line {f.line}" if f.line else "")
    if f.fingerprint:
        text += f" [{f.fingerprint}]"
    if f.detail:
        text += f" via {f.detail}"
    if f.origin is not None:
        state = "still in HEAD" if f.origin.in_head else "no longer in HEAD"
        text += (f" (commit {f.origin.commit.id[:12]} by {f.origin.commit.author}, "
                 f"{f.origin.commit.date}, {state})")
    return text


def write(result: LintResult, stream: TextIO) -> None:
    prefix = result.scan.repo_prefix
    for f in result.findings:
        level = "error" if f.severity is Severity.ERROR else "warning"
        fix = fix_for(f, result.rules)
        body = _body(f) + (f". Fix: {fix}" if fix else "")
        stream.write(f"::{level} {_where(f, prefix)},title={_prop(f.rule_id)}::{_data(body)}\n")
    for s in result.suppressed:
        body = f"{_body(s.finding)} suppressed ({s.source}, {s.where}): {s.reason}"
        title = _prop(f"suppressed {s.finding.rule_id}")
        stream.write(f"::notice {_where(s.finding, prefix)},title={title}::{_data(body)}\n")
    if not result.findings:  # say so: an empty log proves nothing
        body = (f"No private key or credential found: {result.files_scanned} files scanned, "
                f"{len(result.suppressed)} suppressed (scaffold {__version__}, rule set "
                f"{result.ruleset_hash}, complete: {str(result.complete).lower()})")
        stream.write(f"::notice title=scaffold lint::{_data(body)}\n")
