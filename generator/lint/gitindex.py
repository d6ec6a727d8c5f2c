"""The git index as a source of blobs (`scaffold lint --staged`): what the next commit holds,
read through one `git cat-file --batch` process, never from the working tree."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.errors import LintUsageError
from generator.lint.base import FileContext
from generator.lint.blob import Scanner, Tally, os_reason, read_all
from generator.lint.finding import Location
from generator.lint.project import PROJECT_FILE, ProjectIndex, Reader
from generator.lint.result import UNREADABLE_FILE
from generator.lint.walk import Walker, absolute


def _git(args: Sequence[str], cwd: Path) -> bytes:
    import subprocess  # only --staged runs git

    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise LintUsageError(f"--staged needs git ({os_reason(exc)})") from None
    if proc.returncode != 0:
        raise LintUsageError(f"--staged: `git {args[0]}` failed in {cwd}: "
                             f"{proc.stderr.decode(errors='replace').strip()[:200]}")
    return proc.stdout


@dataclass(frozen=True, slots=True)
class _IndexEntry:
    mode: int
    sha: str
    path: str  # relative to the work-tree top


def _index_entries(top: Path, pathspecs: Sequence[Path]) -> list[_IndexEntry]:
    specs = [os.fspath(absolute(p)) for p in pathspecs]
    raw = _git(["ls-files", "-s", "-z", "--", *specs], top)
    entries = []
    for rec in raw.split(b"\0"):
        if not rec:
            continue
        meta, _, name = rec.partition(b"\t")
        mode, sha, _stage = meta.split(b" ")
        entries.append(_IndexEntry(int(mode, 8), sha.decode(), os.fsdecode(name)))
    return entries


class _CatFile:
    """One `git cat-file --batch` process; blobs are read in bounded chunks."""

    def __init__(self, top: Path) -> None:
        import subprocess

        self.proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=top,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def open(self, sha: str) -> tuple[int, Callable[[int], bytes]] | None:
        assert self.proc.stdin is not None and self.proc.stdout is not None  # noqa: S101
        self.proc.stdin.write(sha.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3:
            return None
        left = int(header[2])
        stdout = self.proc.stdout
        if left == 0:
            stdout.read(1)  # the newline after each object

        def read(n: int) -> bytes:
            nonlocal left
            if left <= 0:
                return b""
            chunk = stdout.read(min(n, left))
            left -= len(chunk)
            if left == 0:
                stdout.read(1)  # the newline after each object
            return chunk
        return int(header[2]), read

    def blob(self, sha: str) -> bytes | None:
        opened = self.open(sha)
        if opened is None:
            return None
        size, read = opened
        return read_all(read, size)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


class _Index:
    """The index of the repository that holds `start`: entries, blobs, project files."""

    def __init__(self, start: Path, pathspecs: Sequence[Path]) -> None:
        start_dir = start if start.is_dir() else start.parent
        top = _git(["rev-parse", "--show-toplevel"], start_dir).decode().strip()
        self.top = Path(os.path.realpath(top))
        self.entries = _index_entries(self.top, pathspecs)
        every = _index_entries(self.top, []) if pathspecs else self.entries
        self.by_path = {e.path: e for e in every}
        self.cat = _CatFile(self.top)

    def reader(self, root: Path) -> Reader:
        """Reads files relative to `root` from the index (project files, the allow config)."""
        def read(rel: str) -> bytes | None:
            try:
                key = (root / rel).relative_to(self.top).as_posix()
            except ValueError:
                return None
            entry = self.by_path.get(key)
            return self.cat.blob(entry.sha) if entry is not None else None
        return read

    def has_project(self, d: Path) -> bool:
        try:
            return (d / PROJECT_FILE).relative_to(self.top).as_posix() in self.by_path
        except ValueError:
            return False


def scan_index(scanner: Scanner, paths: Sequence[Path], base: Path) -> tuple[Tally, Reader]:
    """Scan the staged blobs under `paths`; also returns a reader of index files at `base`."""
    index = _Index(absolute(paths[0]) if paths else base, paths)
    projects = ProjectIndex(index.has_project, index.reader)
    walker = Walker(scanner, base, projects)
    out = Tally()
    try:
        for entry in index.entries:
            _scan_entry(scanner, index, walker, entry, out)
        out.merge(walker.out)
        out.notes += projects.problems()
        return out, index.reader(base)
    finally:
        index.cat.close()


def _scan_entry(scanner: Scanner, index: _Index, walker: Walker, entry: _IndexEntry,
                out: Tally) -> None:
    absolute_path = index.top / entry.path
    kind = stat.S_IFMT(entry.mode)
    if kind == stat.S_IFLNK:
        target = index.cat.blob(entry.sha) or b""
        resolved = os.path.normpath(absolute_path.parent / os.fsdecode(target))
        if not resolved.startswith(os.fspath(index.top) + os.sep):
            walker.link_outside(absolute_path, os.fsdecode(target))
        return
    if kind != stat.S_IFREG:
        return  # gitlinks (submodules) are commits, not content
    in_package = walker.projects.in_package(absolute_path)
    where = Location(walker.display(absolute_path))
    opened = index.cat.open(entry.sha)
    if opened is None:
        out.files += 1
        out.findings.append(scanner.finding(UNREADABLE_FILE, where, 0, in_package,
                                            message="blob missing from the git object store"))
        return
    size, read = opened
    scanner.stream(FileContext(where, PurePosixPath(entry.path).name, in_package), read, size,
                   out)
    while read(1 << 20):  # drain whatever a scan did not consume
        pass
