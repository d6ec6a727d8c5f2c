"""Blobs of git history: every blob reachable from the chosen refs, once, with the commit that
introduced it. Nothing is checked out and no blob is held longer than its scan.

One `git log --raw` pass (oldest first, parents before children, merges diffed against their
first parent) names, for every commit, the blobs its tree gained; the first commit to show a
blob is the one that introduced it, and its path there is the blob's path. Unseen blobs are read
through one `git cat-file --batch` process, in batches small enough that neither pipe can fill
while the other waits, and handed out one at a time with a bounded `read` (the engine's
streaming path). Memory: the set of blob ids seen (20 bytes each) and HEAD's blob ids.

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

from generator.errors import LintUsageError
from generator.lint.project import PROJECT_FILE, ProjectIndex, Reader

BATCH = 96  # cat-file requests in flight: 96 x 41 bytes fits a pipe of one 4 KiB page
LOG_READ = 1 << 20
# files of HEAD read up front: the project layout and the allowlist
HEAD_FILES = frozenset({"sfdx-project.json", ".forceignore", ".scaffold-lint.toml"})
_REGULAR = (b"100644", b"100755")  # 120000 links carry a path, 160000 gitlinks a commit
_FORMAT = "%x01%H%x00%an <%ae>%x00%aI"


@dataclass(frozen=True, slots=True)
class Selection:
    """Which history: `revs` as `git log` takes them (empty: every ref), minus `since`."""

    revs: tuple[str, ...] = ()
    since: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    id: str  # full hex object name
    author: str  # "Name <email>"
    date: str  # author date, ISO 8601 (`%aI`)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a blob entered the scanned history."""

    blob: str  # hex object name
    path: str  # POSIX, relative to the repository top, in `commit`
    commit: Commit
    in_head: bool  # HEAD's tree holds this blob (at any path)
    boundary: bool = False  # `commit` is a shallow-clone boundary: the blob may be older


class BlobReader:
    """The bytes of one blob from the cat-file stream: `read(n)` returns at most n bytes, b""
    at the end. Valid until the next blob is requested."""

    __slots__ = ("_cat", "_left", "_stdout")

    def __init__(self, cat: _CatFile, stdout: IO[bytes], size: int) -> None:
        self._cat = cat
        self._stdout = stdout
        self._left = size
        if size == 0:
            self._end()

    def read(self, n: int) -> bytes:
        if self._left <= 0:
            return b""
        chunk = self._stdout.read(min(n, self._left))
        if not chunk:  # git could not read the rest (a corrupt object): never a short pass
            self._cat.died()
        self._left -= len(chunk)
        if self._left == 0:
            self._end()
        return chunk

    def drain(self) -> None:
        while self.read(1 << 20):
            pass

    def _end(self) -> None:
        self._left = -1
        self._stdout.read(1)  # the newline after each object


@dataclass(slots=True)
class Blob:
    origin: Origin
    size: int  # -1: missing from the object store (`reader` is None)
    reader: BlobReader | None


class History:
    """A repository's history as blobs. `start` is any directory inside the repository (a
    work tree or a bare repository)."""

    def __init__(self, start: Path, selection: Selection | None = None) -> None:
        self.selection = selection = selection or Selection()
        info = _git(["rev-parse", "--absolute-git-dir", "--is-bare-repository",
                     "--is-shallow-repository"], start).decode().split("\n")
        self.git_dir = Path(info[0])
        bare = info[1] == "true"
        self.root = self.git_dir if bare else Path(
            _git(["rev-parse", "--show-toplevel"], start).decode().strip())
        self.root = Path(os.path.realpath(self.root))
        self.shallow: tuple[str, ...] = self._shallow() if info[2] == "true" else ()
        head = _git_ok(["rev-parse", "-q", "--verify", "HEAD^{commit}"], self.root)
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
        seen: set[bytes] = set()
        shallow = frozenset(self.shallow)
        batch: list[Origin] = []
        cat = _CatFile(self.root)
        try:
            for commit, sha, path in self._changes():
                key = bytes.fromhex(sha)
                if key in seen:
                    continue
                seen.add(key)
                batch.append(Origin(sha, path, commit, key in self._head_blobs,
                                    commit.id in shallow))
                if len(batch) >= BATCH:
                    yield from cat.blobs(batch)
                    batch = []
            yield from cat.blobs(batch)
        finally:
            cat.close()

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
        return ["-c", "core.quotePath=false", "log", *every, "--topo-order", "--reverse",
                "--no-renames", "--raw", "--no-abbrev", "--diff-merges=first-parent", "--root",
                "--diff-filter=AMT", "-z", "--no-color", "--no-ext-diff", "--no-textconv",
                "--no-show-signature", "--no-mailmap", f"--format={_FORMAT}",
                "--end-of-options", *revs, *exclude, "--"]

    def _changes(self) -> Iterator[tuple[Commit, str, str]]:
        """(commit, blob id, path) for every regular file a commit's tree gained."""
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(["git", *self._log_args()], cwd=self.root,
                                    stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
            assert proc.stdout is not None  # noqa: S101 - for mypy
            try:
                yield from _parse_log(proc.stdout)
                code = proc.wait()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                proc.stdout.close()
            if code != 0:
                err.seek(0)
                raise LintUsageError(_failed("log", err.read(), self.root))

    def _shallow(self) -> tuple[str, ...]:
        rel = _git(["rev-parse", "--git-path", "shallow"], self.root).decode().strip()
        try:
            text = (self.root / rel).read_text()
        except OSError:
            return ()
        return tuple(sorted(line.strip() for line in text.splitlines() if line.strip()))

    def _read_head(self) -> None:
        listing = _git(["ls-tree", "-r", "-z", "--full-tree", self.head or "HEAD"], self.root)
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
            if mode in _REGULAR and path.rpartition("/")[2] in HEAD_FILES:
                wanted[path] = sha.decode()
        for path, blob in sorted(wanted.items()):
            self.head_files[path] = _git(["cat-file", "blob", blob], self.root)

    def _verify(self, rev: str, option: str) -> None:
        if rev.startswith("-") or _git_ok(["rev-parse", "-q", "--verify", "--end-of-options",
                                           f"{rev}^{{commit}}"], self.root) is None:
            raise LintUsageError(f"{option} {rev!r}: not a commit in {self.root} (give a "
                                 "branch, tag or commit id)")


def _parse_log(stdout: IO[bytes]) -> Iterator[tuple[Commit, str, str]]:
    """Parse `git log -z --raw --format=<_FORMAT>`: NUL-separated tokens; a commit is three
    (id, author, date), each raw record two (`:modes ids status`, path)."""
    commit: Commit | None = None
    header: list[bytes] = []
    record: list[bytes] | None = None  # the raw fields waiting for their path
    rest = b""
    while True:
        chunk = stdout.read(LOG_READ)
        if not chunk:
            break
        tokens = (rest + chunk).split(b"\0")
        rest = tokens.pop()
        for tok in tokens:
            if record is not None:
                if record[1] in _REGULAR:
                    assert commit is not None  # noqa: S101 - a record follows a header
                    yield commit, record[3].decode(), os.fsdecode(tok)
                record = None
                continue
            if header:
                header.append(tok)
                if len(header) == 3:
                    commit = Commit(header[0].decode(), header[1].decode(errors="replace"),
                                    header[2].decode())
                    header = []
                continue
            tok = tok.lstrip(b"\n")
            if tok.startswith(b"\x01"):
                header = [tok[1:]]
            elif tok.startswith(b":"):
                record = tok[1:].split(b" ")
            elif tok:
                raise LintUsageError(f"--history: unexpected `git log` output {tok[:40]!r}")
    if rest.strip(b"\n") or header or record is not None:
        raise LintUsageError("--history: `git log` output ended in the middle of a record")


class _CatFile:
    """One `git cat-file --batch` process, asked BATCH blobs at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.err = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, bufsize=1 << 16)

    def blobs(self, batch: Sequence[Origin]) -> Iterator[Blob]:
        if not batch:
            return
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None  # noqa: S101 - for mypy
        try:
            stdin.write(b"".join(o.blob.encode() + b"\n" for o in batch))
            stdin.flush()
        except BrokenPipeError:
            self.died()
        for origin in batch:
            header = stdout.readline()
            fields = header.split()
            if len(fields) == 2 and fields[1] == b"missing":
                yield Blob(origin, -1, None)
                continue
            if len(fields) != 3 or fields[1] != b"blob" or fields[0] != origin.blob.encode():
                self.died()
            reader = BlobReader(self, stdout, int(fields[2]))
            yield Blob(origin, int(fields[2]), reader)
            reader.drain()

    def died(self) -> NoReturn:
        self.proc.kill()
        self.proc.wait()
        self.err.seek(0)
        raise LintUsageError(_failed("cat-file", self.err.read(), self.root))

    def close(self) -> None:
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.err.close()


def _failed(command: str, stderr: bytes, root: Path) -> str:
    why = " ".join(stderr.decode(errors="replace").split())[:300] or "no message"
    return (f"--history: `git {command}` failed in {root}: {why}. The repository may be "
            "corrupt or incomplete: run `git fsck --full`, repair it (or scan a fresh clone), "
            "and scan again")


def _git(args: Sequence[str], cwd: Path) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise LintUsageError(f"--history needs git ({exc.strerror or type(exc).__name__})"
                             ) from None
    if proc.returncode != 0:
        why = " ".join(proc.stderr.decode(errors="replace").split())[:300]
        raise LintUsageError(f"--history: `git {args[0]}` failed in {cwd}: {why}")
    return proc.stdout


def _git_ok(args: Sequence[str], cwd: Path) -> bytes | None:
    """Output of a git command that may fail (then None)."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    return proc.stdout if proc.returncode == 0 else None


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
