"""SARIF 2.1.0. Rule metadata comes with the result (the rules the scan ran); suppressed
findings are included with a `suppressions` entry (kind inSource for inline markers, external
for the config allowlist)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from generator import __version__
from generator.lint.finding import Finding, Rule, Severity
from generator.lint.result import LintResult, Suppressed, fix_for

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning"}
_SECURITY_SEVERITY = {Severity.ERROR: "9.0", Severity.WARNING: "5.0"}


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": rule.fix},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["security", "secrets"],
                       "security-severity": _SECURITY_SEVERITY[rule.severity]},
    }


def _location(f: Finding, prefix: str) -> dict[str, Any]:
    outer, member = f.location.file, f.location.member
    if outer.startswith("/"):
        artifact: dict[str, Any] = {"uri": PurePosixPath(outer).as_uri()}
    else:
        artifact = {"uri": quote(prefix + outer), "uriBaseId": "%SRCROOT%"}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if f.line and not member:
        physical["region"] = {"startLine": f.line}
    return {"physicalLocation": physical}


def _result(f: Finding, index: dict[str, int], suppression: Suppressed | None,
            prefix: str, rules: Mapping[str, Rule]) -> dict[str, Any]:
    member = f.location.member
    text = f.message
    if member:
        text += f" in archive member {member}" + (f" (line {f.line})" if f.line else "")
    props: dict[str, Any] = {"inPackage": f.in_package}
    if f.key_type:
        props["keyType"] = f.key_type
    if f.detail:
        props["detail"] = f.detail
    if member:
        props["archiveMember"] = member
        props["memberLine"] = f.line
    if f.origin is not None:  # history scans: the commit that introduced the blob
        commit = f.origin.commit
        props.update(commit=commit.id, commitAuthor=commit.author, commitDate=commit.date,
                     blob=f.origin.blob, inHead=f.origin.in_head)
        if f.origin.boundary:
            props["shallowBoundary"] = True
        props["fix"] = fix_for(f, rules)  # rotate first, then the purge command
        text += f" (commit {commit.id[:12]}" + ("" if f.origin.in_head else
                                                ", no longer in HEAD") + ")"
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": _LEVEL[f.severity],
        "message": {"text": text},
        "locations": [_location(f, prefix)],
        "properties": props,
    }
    if f.rule_id in index:
        out["ruleIndex"] = index[f.rule_id]
    if f.fingerprint:
        out["partialFingerprints"] = {"keyFingerprint/v1": f.fingerprint}
    if f.origin is not None:
        out.setdefault("partialFingerprints", {})["commitSha/v1"] = f.origin.commit.id
    if suppression is not None:
        out["suppressions"] = [{
            "kind": "inSource" if suppression.source == "inline" else "external",
            "justification": suppression.reason,
            "properties": {"where": suppression.where},
        }]
    return out


def document(result: LintResult) -> dict[str, Any]:
    rules = sorted(result.rules.values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    prefix = result.scan.repo_prefix
    results = [_result(f, index, None, prefix, result.rules) for f in result.findings]
    results += [_result(s.finding, index, s, prefix, result.rules) for s in result.suppressed]
    root = ("The root of the git repository that holds the scanned project." if prefix else
            "The scanned project root (the root of its git repository, if any).")
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "scaffold",
                "fullName": "scaffold lint",
                "version": __version__,
                "informationUri": "https://pypi.org/project/scaffold-sf/",
                "rules": [_rule(r) for r in rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": root}}},
            "results": results,
            "invocations": [{"executionSuccessful": not result.incomplete,
                             "properties": {"complete": result.complete}}],
            "properties": {"rulesetHash": result.ruleset_hash, "ruleCount": len(rules),
                           "options": dict(result.scan.options), "repoPrefix": prefix,
                           "complete": result.complete},
        }],
    }


def write(result: LintResult, stream: TextIO) -> None:
    json.dump(document(result), stream, indent=2, sort_keys=True, ensure_ascii=False)
    stream.write("\n")
