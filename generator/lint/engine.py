"""`scan()`: the entry point of `scaffold lint` as a library. It picks the source of blobs (a
directory walk or the git index), has a Scanner run the registry's detectors on every blob, then
finishes the result the same way for every source: allow config, dedupe, sort.

Every blob first goes through the shared prefilter (prefilter.py): a few fast passes over its
bytes decide which detectors' full scans run, and for ordinary source files that is none.
Nothing here prints; `scan` returns a LintResult that the CLI reports.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import LintUsageError
from generator.lint import allow, registry, walk
from generator.lint.blob import Options, Scanner, Tally, os_reason
from generator.lint.finding import Finding
from generator.lint.project import Reader
from generator.lint.result import LintResult, ScanInfo
from generator.lint.ruleset import Registry

if TYPE_CHECKING:  # imported when a history scan runs: a tree scan never pays for git
    from generator.lint.history import Selection

__all__ = ["LintResult", "Options", "scan"]


def scan(paths: Sequence[Path], base: Path, *, staged: bool = False,
         history: Selection | None = None, config: Path | None = None,
         opts: Options | None = None, rules: Registry | None = None) -> LintResult:
    """Lint `paths` (files or directories; the git index with `staged`; with `history`, the
    git history of the repository holding `paths[0]`, paths then relative to its top).
    `base` is the root that finding paths are relative to and where `.scaffold-lint.toml` is
    looked up. `rules` is the registry to run (default: registry.DEFAULT)."""
    reg = rules or registry.DEFAULT
    scanner = Scanner(reg, opts or Options())
    base = Path(os.path.realpath(base))
    paths = list(paths) or [base]
    if history is not None:
        from generator.lint.history import scan_history

        out, reader, top = scan_history(scanner, paths[0], history)
        config_raw = _read_config(config, top, reader)
    elif staged:
        from generator.lint import gitindex  # only --staged runs git

        out, reader = gitindex.scan_index(scanner, paths, base)
        config_raw = _read_config(config, base, reader)
    else:
        config_raw = _read_config(config, base, None)  # a bad config fails before the walk
        out = walk.scan_tree(scanner, paths, base)
    source = os.fspath(config) if config else allow.CONFIG_FILE
    options = _options(scanner.opts, staged, source if config_raw is not None else None,
                       [_display(p, base) for p in paths])
    options["history"] = history is not None
    prefix = "" if history is not None else repo_prefix(base)  # history paths: from the top
    return _finish(out, reg, config_raw, source, ScanInfo(options, prefix))


def repo_prefix(base: Path) -> str:
    """`base` relative to the top of its git work tree ("sfdx/"; "" at the top or outside git),
    found by looking for `.git` (a directory, or a file in worktrees and submodules) in `base`
    and its parents: no git process on the pre-commit path."""
    for top in (base, *base.parents):
        if (top / ".git").exists():
            rel = base.relative_to(top).as_posix()
            return "" if rel == "." else rel + "/"
    return ""


def _display(path: Path, base: Path) -> str:
    full = Path(os.path.realpath(path))
    return "." if full == base else (full.relative_to(base).as_posix()
                                     if full.is_relative_to(base) else full.as_posix())


def _options(opts: Options, staged: bool, config: str | None,
             paths: list[str]) -> dict[str, object]:
    """The options that shaped the scan, as reports state them (no content, no home paths)."""
    limits = opts.limits
    return {"staged": staged, "config": config, "paths": paths, "jobs": opts.jobs,
            "archive_limits": {"max_depth": limits.max_depth, "max_members": limits.max_members,
                               "max_member_bytes": limits.max_member_bytes,
                               "max_total_bytes": limits.max_total_bytes,
                               "max_ratio": limits.max_ratio}}


def _finish(out: Tally, reg: Registry, config_raw: bytes | None, source: str,
            info: ScanInfo) -> LintResult:
    """The same post-processing for every source: config allow entries, dedupe, order."""
    entries: tuple[allow.AllowEntry, ...] = ()
    if config_raw is not None:
        entries = allow.load_config(config_raw, reg.rules.keys(), source)
    kept, hidden, unused = allow.apply_config(_dedupe(out.findings), entries, source)
    out.notes += [f"{source} allow[{n}] matched no finding" for n in unused]
    return LintResult(
        findings=tuple(sorted(kept, key=_order)),
        suppressed=tuple(sorted([*out.suppressed, *hidden], key=lambda s: _order(s.finding))),
        files_scanned=out.files,
        bytes_scanned=out.nbytes,
        notes=tuple(dict.fromkeys(out.notes)),
        rules=reg.rules,
        scan=info,
    )


def _read_config(config: Path | None, base: Path, reader: Reader | None) -> bytes | None:
    if config is not None:
        try:
            return config.read_bytes()
        except OSError as exc:
            raise LintUsageError(f"{config}: cannot read config ({os_reason(exc)})") from None
    if reader is not None:
        raw = reader(allow.CONFIG_FILE)
        if raw is not None:
            return raw
    try:
        return (base / allow.CONFIG_FILE).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LintUsageError(f"{allow.CONFIG_FILE}: cannot read ({os_reason(exc)})") from None


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (path, line, rule, key): also a key seen in two overlapping chunks."""
    seen: set[tuple[str, int, str, str]] = set()
    kept = []
    for f in findings:
        key = (f.path, f.line, f.rule_id, f.fingerprint)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


def _order(f: Finding) -> tuple[str, int, str, str]:
    return (f.path, f.line, f.rule_id, f.fingerprint)
