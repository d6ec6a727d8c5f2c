"""Blobs of git history: every blob reachable from the chosen refs, once, with the commit that
introduced it. Nothing is checked out and no blob is held longer than its scan.

One `git log --raw` pass (oldest first, parents before children, merges diffed against their
first parent) names, for every commit, the blobs its tree gained; the first commit to show a
blob is the one that introduced it, and its path there is the blob's path. Unseen blobs are read
through one `git cat-file --batch` process, fed by a thread as the log is parsed
(gitpipe.py), and handed out one at a time with a bounded `read` (the engine's streaming
path). Memory: the set of blob ids seen (20 bytes each) and HEAD's blob ids.

Which files ship (`in_package`) is decided from HEAD's `sfdx-project.json` and `.forceignore`
files, for every blob at its path in the commit that introduced it: the current layout, since a
key that once sat in a package directory is a leak whatever the layout was then.

Fails closed: a git that cannot read a commit or tree ends the scan with a LintUsageError (exit
2); a blob missing from the object store is yielded with size -1 so the engine reports it.
Shallow clones are scanned as far as they reach; `History.notes` says where they stop.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.errors import LintUsageError
from generator.lint.base import FileContext
from generator.lint.blob import NATIVE_MIN_BLOBS, Scanner, Tally
from generator.lint.finding import Commit, Finding, Location, Origin
from generator.lint.gitpipe import (
    LOG_FORMAT,
    REGULAR,
    Blob,
    CatFile,
    failed,
    git,
    git_ok,
    parse_log,
)
from generator.lint.project import PROJECT_FILE, ProjectIndex, Reader
from generator.lint.result import UNREADABLE_FILE

# files of HEAD read up front: the project layout and the allowlist
HEAD_FILES = frozenset({"sfdx-project.json", ".forceignore", ".scaffold-lint.toml"})


@dataclass(frozen=True, slots=True)
class Selection:
    """Which history: `revs` as `git log` takes them (empty: every ref), minus `since`."""

    revs: tuple[str, ...] = ()
    since: str | None = None


class History:
    """A repository's history as blobs. `start` is any directory inside the repository (a
    work tree or a bare repository)."""

    def __init__(self, start: Path, selection: Selection | None = None) -> None:
        self.selection = selection = selection or Selection()
        info = git(["rev-parse", "--absolute-git-dir", "--is-bare-repository",
                     "--is-shallow-repository"], start).decode().split("\n")
        self.git_dir = Path(info[0])
        bare = info[1] == "true"
        self.root = self.git_dir if bare else Path(
            git(["rev-parse", "--show-toplevel"], start).decode().strip())
        self.root = Path(os.path.realpath(self.root))
        self.shallow: tuple[str, ...] = self._shallow() if info[2] == "true" else ()
        head = git_ok(["rev-parse", "-q", "--verify", "HEAD^{commit}"], self.root)
        self.head: str | None = head.decode().strip() if head else None
        self._head_blobs: set[bytes] = set()
        self.head_files: dict[str, bytes] = {}  # HEAD_FILES found in HEAD: path -> bytes
        if self.head is not None:
            self._read_head()
        if selection.since is not None:
            self._verify(selection.since, "--since")

    @property
    def notes(self) -> list[str]:
        """What this scan could not reach (for stderr)."""
        if not self.shallow:
            return []
        shown = ", ".join(c[:12] for c in self.shallow[:5])
        more = f" and {len(self.shallow) - 5} more" if len(self.shallow) > 5 else ""
        return [f"{self.root}: shallow clone: the parents of {len(self.shallow)} commit(s) "
                f"({shown}{more}) are not in this clone, so older history was not scanned and "
                "a blob reported at one of those commits may be older; run `git fetch "
                "--unshallow` and scan again to cover all of it"]

    def in_head(self, blob: str) -> bool:
        return bytes.fromhex(blob) in self._head_blobs

    def blobs(self) -> Iterator[Blob]:
        """Every blob of the selection, once, in the order commits introduced them."""
        cat = CatFile(self.root)
        try:
            yield from cat.stream(self._origins())
        finally:
            cat.close()

    def _origins(self) -> Iterator[Origin]:
        """The first appearance of every blob in the log (runs in the cat-file feeder)."""
        seen: set[bytes] = set()
        shallow = frozenset(self.shallow)
        for commit, sha, path in self._changes():
            key = bytes.fromhex(sha)
            if key in seen:
                continue
            seen.add(key)
            yield Origin(sha, path, commit, key in self._head_blobs, commit.id in shallow)

    # --- git ----------------------------------------------------------------------------

    def _log_args(self) -> list[str]:
        sel = self.selection
        revs = list(sel.revs) or []
        for rev in revs:
            if rev.startswith("-"):
                raise LintUsageError(f"--history: {rev!r} is not a revision (ranges look like "
                                     "`main..feature`; options go before them)")
        every = [] if revs else ["--all"]
        exclude = [f"^{sel.since}"] if sel.since is not None else []
        # a small delta cache: git's default (96 MiB) would be most of the peak memory
        return ["-c", "core.quotePath=false", "-c", "core.deltaBaseCacheLimit=8m", "log",
                *every, "--topo-order", "--reverse",
                "--no-renames", "--raw", "--no-abbrev", "--diff-merges=first-parent", "--root",
                "--diff-filter=AMT", "-z", "--no-color", "--no-ext-diff", "--no-textconv",
                "--no-show-signature", "--no-mailmap", f"--format={LOG_FORMAT}",
                "--end-of-options", *revs, *exclude, "--"]

    def _changes(self) -> Iterator[tuple[Commit, str, str]]:
        """(commit, blob id, path) for every regular file a commit's tree gained."""
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(["git", *self._log_args()], cwd=self.root,
                                    stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
            assert proc.stdout is not None  # noqa: S101 - for mypy
            try:
                yield from parse_log(proc.stdout)
                code = proc.wait()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                proc.stdout.close()
            if code != 0:
                err.seek(0)
                raise LintUsageError(failed("log", err.read(), self.root))

    def _shallow(self) -> tuple[str, ...]:
        rel = git(["rev-parse", "--git-path", "shallow"], self.root).decode().strip()
        try:
            text = (self.root / rel).read_text()
        except OSError:
            return ()
        return tuple(sorted(line.strip() for line in text.splitlines() if line.strip()))

    def _read_head(self) -> None:
        listing = git(["ls-tree", "-r", "-z", "--full-tree", self.head or "HEAD"], self.root)
        wanted: dict[str, str] = {}
        for rec in listing.split(b"\0"):
            if not rec:
                continue
            meta, _, name = rec.partition(b"\t")
            mode, kind, sha = meta.split(b" ")
            if kind != b"blob":
                continue
            self._head_blobs.add(bytes.fromhex(sha.decode()))
            path = os.fsdecode(name)
            if mode in REGULAR and path.rpartition("/")[2] in HEAD_FILES:
                wanted[path] = sha.decode()
        for path, blob in sorted(wanted.items()):
            self.head_files[path] = git(["cat-file", "blob", blob], self.root)

    def _verify(self, rev: str, option: str) -> None:
        if rev.startswith("-") or git_ok(["rev-parse", "-q", "--verify", "--end-of-options",
                                           f"{rev}^{{commit}}"], self.root) is None:
            raise LintUsageError(f"{option} {rev!r}: not a commit in {self.root} (give a "
                                 "branch, tag or commit id)")


def project_index(history: History) -> ProjectIndex:
    """Package layout from HEAD's files, for `in_package_at(f"{root}/{dir}", name)`."""
    root = history.root

    def rel(path: Path) -> str | None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return None

    def has_project(d: Path) -> bool:
        key = rel(d / PROJECT_FILE)
        return key is not None and key in history.head_files

    def reader(d: Path) -> Reader:
        def read(name: str) -> bytes | None:
            key = rel(d / name)
            return history.head_files.get(key) if key is not None else None
        return read

    return ProjectIndex(has_project, reader)


def scan_history(scanner: Scanner, start: Path, selection: Selection | None = None
                 ) -> tuple[Tally, Reader, Path]:
    """Scan every blob of the selected history once, through the scanner's streaming path.
    Returns what was found (each finding carrying its Origin), a reader of HEAD's files at the
    repository top (for the allow config) and that top."""
    hist = History(start, selection)
    scanner.expect(NATIVE_MIN_BLOBS)  # a history holds many blobs
    projects = project_index(hist)
    out = Tally()
    root = os.fspath(hist.root)
    for blob in hist.blobs():
        origin = blob.origin
        directory, _, name = origin.path.rpartition("/")
        in_package = projects.in_package_at(f"{root}/{directory}" if directory else root, name)
        where = Location(origin.path)
        first, hidden = len(out.findings), len(out.suppressed)
        if blob.reader is None:
            out.files += 1
            out.findings.append(scanner.finding(
                UNREADABLE_FILE, where, 0, in_package,
                message=f"blob {origin.blob[:12]} (commit {origin.commit.id[:12]}) is missing "
                        "from the git object store; run `git fsck --full`"))
        else:
            scanner.stream(FileContext(where, name, in_package), blob.reader.read, blob.size,
                           out)
        for i in range(first, len(out.findings)):  # rare: most blobs find nothing
            out.findings[i] = out.findings[i]._replace(origin=origin)
        for i in range(hidden, len(out.suppressed)):
            s = out.suppressed[i]
            out.suppressed[i] = s._replace(finding=s.finding._replace(origin=origin))
    out.findings = fold(out.findings)
    first_of = {_key(s.finding): s for s in reversed(out.suppressed)}
    out.suppressed = [first_of[_key(f)]._replace(finding=f)
                      for f in fold([s.finding for s in out.suppressed])]
    out.notes += [*hist.notes, *projects.problems()]
    return out, hist.head_files.get, hist.root


def fold(findings: list[Finding]) -> list[Finding]:
    """One finding per key per path: the first commit that introduced it (findings come in
    introduction order), still in HEAD when any of its blobs is. Without a fingerprint, the
    line tells findings apart."""
    by_key: dict[tuple[str, str, str, int], int] = {}
    kept: list[Finding] = []
    for f in findings:
        key = _key(f)
        at = by_key.get(key)
        if at is None:
            by_key[key] = len(kept)
            kept.append(f)
            continue
        head = kept[at]
        if f.origin is not None and f.origin.in_head and head.origin is not None \
                and not head.origin.in_head:
            kept[at] = head._replace(origin=head.origin._replace(in_head=True))
    return kept


def _key(f: Finding) -> tuple[str, str, str, int]:
    return (f.path, f.rule_id, f.fingerprint, 0 if f.fingerprint else f.line)
