"""Suppression: an inline marker with a reason, and a path allowlist in .scaffold-lint.toml.

Inline, in any comment syntax, on the finding's line or the line directly above it:

    // scaffold-lint: allow pem-private-key -- test fixture built at deploy time
    # scaffold-lint: allow base64-private-key,hex-private-key sha256:0123456789abcdef -- reason
    <!-- scaffold-lint: allow jwk-private-key -- reason -->

The rule ids are required; an optional fingerprint pins the marker to one key; the reason after
` -- ` is required (a marker without one suppresses nothing). Config file:

    [[allow]]
    path = "tests/corpus/**"          # gitignore-style glob, relative to the project root
    rules = ["pem-private-key"]       # required, non-empty
    reason = "generated negative corpus"   # required
    fingerprints = ["sha256:..."]     # optional: only these keys
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import NamedTuple

from generator.errors import LintUsageError
from generator.lint.finding import Finding
from generator.lint.project import matches_glob
from generator.lint.result import Suppressed

CONFIG_FILE = ".scaffold-lint.toml"
MARKER = b"scaffold-lint:"
_INLINE = re.compile(
    rb"scaffold-lint:[ \t]*allow[ \t]+(?P<rules>[a-z0-9-]+(?:[ \t]*,[ \t]*[a-z0-9-]+)*)"
    rb"(?:[ \t]+(?P<fp>sha256:[0-9a-f]{16}))?"
    rb"(?:[ \t]+--[ \t]*(?P<reason>.*?))?[ \t]*(?:\*/|-->|\r?$)",
    re.MULTILINE,
)
_SECRETISH = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
_MAX_REASON = 160
_MAX_LINE = 4096  # look at most this far around the hit for a marker


class AllowEntry(NamedTuple):
    path: str
    rules: tuple[str, ...]
    reason: str
    fingerprints: tuple[str, ...] = ()
    number: int = 0  # N of allow[N] in the config (from 1)

    def matches(self, finding: Finding) -> bool:
        if finding.rule_id not in self.rules:
            return False
        if self.fingerprints and finding.fingerprint not in self.fingerprints:
            return False
        return (matches_glob(self.path, finding.location.file)
                or matches_glob(self.path, finding.path))


def clean_reason(raw: bytes) -> str:
    """Printable, short, and never a long base64/hex run (a reason must not leak a key)."""
    text = raw.decode("utf-8", errors="replace")
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    text = _SECRETISH.sub("[redacted]", text)
    return text[:_MAX_REASON]


def _line_bounds(data: bytes, offset: int) -> tuple[int, int]:
    start = data.rfind(b"\n", max(0, offset - _MAX_LINE), offset) + 1
    if start == 0 and offset > _MAX_LINE:
        start = offset - _MAX_LINE
    end = data.find(b"\n", offset, offset + _MAX_LINE)
    return start, (min(len(data), offset + _MAX_LINE) if end == -1 else end)


def inline_reason(data: bytes, offset: int, rule_id: str, fp: str) -> tuple[str | None, bool]:
    """(reason, marker_without_reason) for a hit at `offset`, from its line or the one above."""
    offset = max(0, min(offset, len(data)))
    start, end = _line_bounds(data, offset)
    if start > 0:
        start = _line_bounds(data, start - 1)[0]
    window = data[start:end]
    if MARKER not in window:
        return None, False
    bare = False
    for m in _INLINE.finditer(window):
        rules = {r.strip().decode() for r in m.group("rules").split(b",")}
        if rule_id not in rules:
            continue
        if m.group("fp") is not None and m.group("fp").decode() != fp:
            continue
        reason = clean_reason(m.group("reason") or b"")
        if reason:
            return reason, False
        bare = True
    return None, bare


def load_config(raw: bytes, known_rules: Collection[str], source: str = CONFIG_FILE
                ) -> tuple[AllowEntry, ...]:
    """Parse the allowlist; every problem is a usage error (exit 2) naming the entry."""
    import tomllib  # only when a config file exists

    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LintUsageError(f"{source}: not valid TOML ({type(exc).__name__}); "
                             "fix the syntax") from None
    unknown_top = sorted(set(doc) - {"allow"})
    problems: list[str] = [f"{source}: unknown key {k!r} (only [[allow]] tables)"
                           for k in unknown_top]
    items = doc.get("allow", [])
    if not isinstance(items, list):
        raise LintUsageError(f"{source}: 'allow' must be an array of tables ([[allow]])")
    entries: list[AllowEntry] = []
    for n, item in enumerate(items, start=1):
        where = f"{source} allow[{n}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a table")
            continue
        extra = sorted(set(item) - {"path", "rules", "reason", "fingerprints"})
        problems += [f"{where}: unknown key {k!r}" for k in extra]
        path, rules, reason = item.get("path"), item.get("rules"), item.get("reason")
        fps = item.get("fingerprints", [])
        if not isinstance(path, str) or not path.strip():
            problems.append(f"{where}: 'path' (a glob) is required")
        if not isinstance(rules, list) or not rules or not all(isinstance(r, str) for r in rules):
            problems.append(f"{where}: 'rules' must be a non-empty list of rule ids")
            rules = []
        else:
            problems += [f"{where}: unknown rule id {r!r}" for r in rules if r not in known_rules]
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"{where}: 'reason' is required: say why this is not a leak")
        if not isinstance(fps, list) or not all(isinstance(f, str) for f in fps):
            problems.append(f"{where}: 'fingerprints' must be a list of strings")
            fps = []
        if isinstance(path, str) and isinstance(reason, str):
            entries.append(AllowEntry(path.strip(), tuple(rules), reason.strip(), tuple(fps), n))
    if problems:
        raise LintUsageError("; ".join(problems))
    return tuple(entries)


def apply_config(findings: Sequence[Finding], entries: Sequence[AllowEntry], source: str
                 ) -> tuple[list[Finding], list[Suppressed], list[int]]:
    """Split findings into (kept, suppressed); also return the indexes of unused entries."""
    kept: list[Finding] = []
    hidden: list[Suppressed] = []
    used: set[int] = set()
    for f in findings:
        entry = next((e for e in entries if e.matches(f)), None)
        if entry is None:
            kept.append(f)
        else:
            used.add(entry.number)
            hidden.append(Suppressed(f, "config", entry.reason, f"{source} allow[{entry.number}]"))
    return kept, hidden, [e.number for e in entries if e.number not in used]
