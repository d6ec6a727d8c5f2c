"""Stable, key-sorted JSON (schema "version": 1, documented in README "JSON output")."""

from __future__ import annotations

import json
from typing import Any, TextIO

from generator import __version__
from generator.lint.finding import Finding, Severity
from generator.lint.result import LintResult, Suppressed, severity_counts

SCHEMA_VERSION = 1


def finding_dict(f: Finding, fixes: dict[str, str]) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id, "severity": f.severity.value, "path": f.path, "line": f.line,
        "message": f.message, "key_type": f.key_type, "fingerprint": f.fingerprint or None,
        "detail": f.detail or None, "in_package": f.in_package, "fix": fixes.get(f.rule_id, ""),
    }


def suppression_dict(s: Suppressed) -> dict[str, Any]:
    f = s.finding
    return {
        "rule_id": f.rule_id, "path": f.path, "line": f.line, "key_type": f.key_type,
        "fingerprint": f.fingerprint or None, "in_package": f.in_package,
        "source": s.source, "reason": s.reason, "where": s.where,
    }


def document(result: LintResult) -> dict[str, Any]:
    fixes = {r.id: r.fix for r in result.rules.values()}
    counts = severity_counts(result.findings)
    return {
        "version": SCHEMA_VERSION,
        "tool": "scaffold lint",
        "tool_version": __version__,
        "ruleset": {"hash": result.ruleset_hash, "rules": len(result.rules)},
        "options": dict(result.scan.options),
        "repo_prefix": result.scan.repo_prefix,
        "complete": result.complete,
        "summary": {
            "files_scanned": result.files_scanned,
            "bytes_scanned": result.bytes_scanned,
            "findings": len(result.findings),
            "errors": counts[Severity.ERROR],
            "warnings": counts[Severity.WARNING],
            "suppressed": len(result.suppressed),
            "unreadable": result.unreadable,
        },
        "findings": [finding_dict(f, fixes) for f in result.findings],
        "suppressions": [suppression_dict(s) for s in result.suppressed],
        "notes": list(result.notes),
    }


def write(result: LintResult, stream: TextIO) -> None:
    json.dump(document(result), stream, indent=2, sort_keys=True, ensure_ascii=False)
    stream.write("\n")
