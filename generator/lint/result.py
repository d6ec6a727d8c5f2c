"""LintResult: everything a reporter reads, including the rule table the scan used, and the
rules a scan reports about its own completeness. Importing this module loads no detector and no
engine, so `generator.lint.report` stays cheap."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

from generator.lint.finding import Finding, Rule, Severity

UNREADABLE_FILE = Rule(
    id="unreadable-file",
    summary="File that could not be read",
    why="A file that cannot be read cannot be proven free of key material, and it may still "
        "be committed or packaged.",
    fix="Fix the permissions or remove the file; scaffold lint exits 2 until it can read it.",
)
SYMLINK_OUTSIDE_ROOT = Rule(
    id="symlink-outside-root",
    summary="Symbolic link pointing outside the scanned directory (not followed)",
    why="Packaging reads the file a link points to, wherever it is, so a link can carry a "
        "key (e.g. ~/.ssh/id_rsa) that a scan of the project never sees.",
    fix="Replace the link with the file it points to, or remove it.",
)
DETECTOR_ERROR = Rule(
    id="detector-error",
    summary="A detector failed on this file, so it was not fully checked",
    why="A file that a detector could not finish cannot be proven free of key material; "
        "scaffold lint fails closed and exits 2 rather than reporting a clean result.",
    fix="This is a scaffold bug: report it with the detector name and exception type from the "
        "message. Until it is fixed, check the file by hand; scaffold lint exits 2 meanwhile.",
)
RULES: tuple[Rule, ...] = (UNREADABLE_FILE, SYMLINK_OUTSIDE_ROOT, DETECTOR_ERROR)
# a finding of these means some input was not checked: the CLI exits 2
INCOMPLETE: frozenset[str] = frozenset({UNREADABLE_FILE.id, DETECTOR_ERROR.id})
# these also mean part of an input was not seen into (archive members past a limit, encrypted
# or corrupt archives and keystores): the report says `complete: false` (test_result checks the
# ids are registered)
PARTIAL: frozenset[str] = INCOMPLETE | {"archive-limit", "archive-unreadable",
                                        "container-unreadable"}


class ScanInfo(NamedTuple):
    """How the scan was run, for reports that must prove what a clean result covered."""

    options: Mapping[str, object] = MappingProxyType({})  # what shaped the scan
    repo_prefix: str = ""  # the scan root inside its git repository ("sfdx/"; "" at its top)


class Suppressed(NamedTuple):
    """A finding that an allow marker or entry hides; reporters still list it."""

    finding: Finding
    source: str  # "inline" or "config"
    reason: str
    where: str  # "path:line" of the marker, or ".scaffold-lint.toml allow[N]"


class LintResult(NamedTuple):
    findings: tuple[Finding, ...]  # unsuppressed, sorted by path, line, rule id
    suppressed: tuple[Suppressed, ...]
    files_scanned: int
    bytes_scanned: int
    rules: Mapping[str, Rule]  # the registry's rules, by id (give it by name)
    notes: tuple[str, ...] = ()  # diagnostics for stderr (never key bytes)
    scan: ScanInfo = ScanInfo()

    @property
    def unreadable(self) -> bool:
        """Some input could not be read."""
        return any(f.rule_id == UNREADABLE_FILE.id for f in self.findings)

    @property
    def incomplete(self) -> bool:
        """Some input could not be read or checked (a detector failed): the CLI exits 2."""
        return any(f.rule_id in INCOMPLETE for f in self.findings)

    @property
    def complete(self) -> bool:
        """Every input was read and seen into, suppressed findings included."""
        found = (*self.findings, *(s.finding for s in self.suppressed))
        return not any(f.rule_id in PARTIAL for f in found)

    @property
    def ruleset_hash(self) -> str:
        """Identifies the rules that produced this result: ids, severities and texts."""
        return ruleset_hash(self.rules)


def ruleset_hash(rules: Mapping[str, Rule]) -> str:
    import hashlib
    import json

    table = [[r.id, r.severity.value, r.summary, r.why, r.fix]
             for r in sorted(rules.values(), key=lambda r: r.id)]
    return "sha256:" + hashlib.sha256(json.dumps(table).encode()).hexdigest()[:16]


def fix_for(f: Finding, rules: Mapping[str, Rule]) -> str:
    """The fix a report prints for `f`: its rule's fix, and for key material in git history,
    that rotating it comes first and the exact command that purges it."""
    rule = rules.get(f.rule_id)
    fix = rule.fix if rule is not None else ""
    origin = f.origin
    if origin is None or f.rule_id in INCOMPLETE:
        return fix
    since = f"commit {origin.commit.id[:12]}"
    if f.severity is not Severity.ERROR:
        where = "still in HEAD" if origin.in_head else "no longer in HEAD"
        return f"{fix} (In git history since {since}; {where}.)"
    import shlex

    purge = ("then purge it from every branch and tag, in a fresh clone: `git filter-repo "
             f"--invert-paths --path {shlex.quote(f.location.file)}` (or `--replace-text` to "
             "keep the rest of the file), `git push --force --all && git push --force --tags`, "
             "and have every clone and fork deleted and cloned again")
    if origin.in_head:
        return (f"{fix} It is in git history too (since {since}), so every clone holds it: "
                f"rotate it first, {purge}.")
    return (f"Only in git history (added in {since}, no longer in HEAD), but every clone still "
            "holds it. Rotate it first, since purging cannot take back a copy: revoke it where "
            "it is trusted (a JWT key: a new key pair and certificate in the External Client "
            f"App; a token or secret: revoke and reissue it in Setup); {purge}.")


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts
