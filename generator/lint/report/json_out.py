"""Stable, key-sorted JSON (schema "version": 1, documented in README "JSON output")."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TextIO

from generator import __version__
from generator.lint.finding import Finding, Origin, Rule, Severity
from generator.lint.result import LintResult, Suppressed, fix_for, severity_counts

SCHEMA_VERSION = 1


def commit_dict(origin: Origin) -> dict[str, Any]:
    """History scans only: where the blob entered history (`path` is the path there)."""
    return {"id": origin.commit.id, "author": origin.commit.author, "date": origin.commit.date,
            "path": origin.path, "blob": origin.blob, "in_head": origin.in_head,
            "shallow_boundary": origin.boundary}


def finding_dict(f: Finding, rules: Mapping[str, Rule]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_id": f.rule_id, "severity": f.severity.value, "path": f.path, "line": f.line,
        "message": f.message, "key_type": f.key_type, "fingerprint": f.fingerprint or None,
        "detail": f.detail or None, "in_package": f.in_package, "fix": fix_for(f, rules),
    }
    if f.origin is not None:
        out["commit"] = commit_dict(f.origin)
    return out


def suppression_dict(s: Suppressed) -> dict[str, Any]:
    f = s.finding
    out: dict[str, Any] = {
        "rule_id": f.rule_id, "path": f.path, "line": f.line, "key_type": f.key_type,
        "fingerprint": f.fingerprint or None, "in_package": f.in_package,
        "source": s.source, "reason": s.reason, "where": s.where,
    }
    if f.origin is not None:
        out["commit"] = commit_dict(f.origin)
    return out


def document(result: LintResult) -> dict[str, Any]:
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
        "findings": [finding_dict(f, result.rules) for f in result.findings],
        "suppressions": [suppression_dict(s) for s in result.suppressed],
        "notes": list(result.notes),
    }


def write(result: LintResult, stream: TextIO) -> None:
    json.dump(document(result), stream, indent=2, sort_keys=True, ensure_ascii=False)
    stream.write("\n")
