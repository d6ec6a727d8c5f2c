"""Sources of blobs on disk: a directory walk (skipping VCS metadata, dependency folders and
caches) or explicit files (scanned even where a walk would skip them), each file scanned as
the walk finds it.

A large walk splits into one process per core once it has found enough files: each process
walks on from the same point and reads its share of the files (`share`, by name), so walking
and reading both run in parallel and nothing but one result per process crosses a pipe.
"""

from __future__ import annotations

import gc
import math
import operator
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import NamedTuple, NoReturn

from generator.errors import LintUsageError, ScanIncomplete
from generator.lint import archive
from generator.lint.base import FileContext
from generator.lint.blob import NATIVE_MIN_BLOBS, Scanner, Tally, os_reason, read_all
from generator.lint.finding import Location
from generator.lint.project import ProjectIndex, disk_index
from generator.lint.result import SYMLINK_OUTSIDE_ROOT, UNREADABLE_FILE

FIRST_READ = 64 * 1024  # a walked file's first read(2); most source files fit
LARGE_WALK = 200  # entries listed (or files named) from which a walk is large: it switches
# the prefilter to its native pass and splits into one process per core

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".sfdx-cache", ".localdevserver",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".tox", ".nox",
    ".venv",
})

SMALL_DIR = 8192  # bytes: a directory up to this size, without subdirectories, is one task
VENV_MARKER = "pyvenv.cfg"  # a directory holding it is skipped (found in its own listing)
CLI_STATE_DIRS = frozenset({".sf", ".sfdx"})  # skipped, except what git tracks or has staged


def git_tracked(directory: str) -> list[str]:
    """Regular files under `directory` that git tracks or has staged (absolute paths); none
    outside a git work tree. The Salesforce CLI's state directories are caches, except when
    someone commits its login store: that must be scanned. Outside a work tree (no `.git`
    here or above, no GIT_DIR) git is not asked: a tree of copied projects spawns no process."""
    import subprocess

    if "GIT_DIR" not in os.environ and not any(
            os.path.lexists(os.path.join(d, ".git"))  # noqa: PTH110,PTH118
            for d in (directory, *map(os.fspath, Path(directory).parents))):
        return []
    try:
        proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--", "."], cwd=directory,
                              capture_output=True, check=False)
    except OSError:
        return []
    if proc.returncode != 0:
        return []
    found = []
    for name in proc.stdout.split(b"\0"):
        path = os.path.join(directory, os.fsdecode(name))  # noqa: PTH118
        if name and os.path.isfile(path) and not os.path.islink(path):  # noqa: PTH113,PTH114
            found.append(path)
    return found


class _Job(NamedTuple):
    """One file to scan: built only for the files this process reads, never pickled."""

    path: str  # absolute path to open
    display: str
    ships: Callable[[str], bool]  # the package verdict of a name in its directory (lazy)
    size: int  # from the walk's stat, or -1: not known yet

    @property
    def name(self) -> str:
        return self.display.rpartition("/")[2]

    @property
    def in_package(self) -> bool:
        return self.ships(self.name)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_open = os.open  # the one place a walked file is opened (tests deny it to fake EACCES)


def scan_file(scanner: Scanner, job: _Job, out: Tally) -> None:
    """Read one file and scan it. The usual file takes open(2), one read(2) and close(2) and
    is found quiet (`Scanner.quiet`) before any context is built."""
    opts = scanner.opts
    try:
        fd = _open(job.path, _OPEN_FLAGS)
    except OSError as exc:
        _unreadable(scanner, job, out, exc)
        return
    try:
        if job.size <= opts.stream_threshold:
            # Most files take one read(2) and no fstat: a regular file's short read is its
            # end. The size from the walk (or a guess) decides how much to ask for.
            guess = min(job.size if job.size >= 0 else FIRST_READ, opts.stream_threshold)
            data = os.read(fd, guess + 1)
            if len(data) > guess:  # larger than guessed, or grown since the walk
                read = partial(os.read, fd)
                size = os.fstat(fd).st_size
                if size > opts.stream_threshold:
                    del data
                    os.lseek(fd, 0, os.SEEK_SET)
                    scanner.stream(_context(job), read, size, out)
                    return
                data += read_all(read, size - len(data))
            out.files += 1
            out.nbytes += len(data)
            if not scanner.quiet(job.display, job.name, data):
                scanner.loud(_context(job), data, out)
            return
        scanner.stream(_context(job), partial(os.read, fd), os.fstat(fd).st_size, out)
    except OSError as exc:
        _unreadable(scanner, job, out, exc)
    finally:
        os.close(fd)


def _context(job: _Job) -> FileContext:
    return FileContext(Location(job.display), job.name, job.in_package)


def _unreadable(scanner: Scanner, job: _Job, out: Tally, exc: OSError) -> None:
    out.files += 1
    out.findings.append(scanner.finding(
        UNREADABLE_FILE, Location(job.display), 0, job.in_package,
        message=f"could not read file ({os_reason(exc)})"))


def share(name: str, parts: int) -> int:
    """Which of `parts` processes reads the file `name` once a walk has split: a function of
    the name alone (not of the walk order), so a file that appears or vanishes during the
    scan cannot shift any other file to a process that has passed it. `hash` is the same in
    every process of one run (children are forked); which process reads a file changes
    nothing in the result, whose findings and notes are sorted."""
    return hash(name) % parts


class Walker:
    """Walks directories and scans every regular file as the walk finds it. Paths are plain
    strings here: pathlib costs more than the scan of a typical file.

    With `split` set, a walk forks once it has found LARGE_WALK entries (see `Split`): from
    then on each process walks the same remaining tree and reads only its `share` of the
    files, except in small leaf directories, which one process lists and reads whole
    (`_push`). Walk-level findings (links, unlistable directories) and project problems are
    recorded once: by that owner, or by the parent in a shared directory. The fork happens
    only between listings or between named files, never inside a listing's loop."""

    def __init__(self, scanner: Scanner, base: Path, projects: ProjectIndex,
                 split: Split | None = None) -> None:
        self.scanner = scanner
        self.base = base
        self.projects = projects
        self.split = split
        self.out = Tally()
        self.found = 0  # directory entries listed and files named so far
        self.part, self.parts = 0, 1  # this process's share once split
        self._small = min(FIRST_READ, scanner.opts.stream_threshold)  # read whole, at once
        self._owned = False  # the directory being listed is this process's alone
        self._records = True  # walk-level findings of this directory are recorded here
        self._large_at: float = LARGE_WALK
        if split is not None and split.jobs > 1:
            self._large_at = 1  # an explicit --jobs: split at the first listing
        self._seen_dirs: set[tuple[int, int]] = set()
        self._base = os.fspath(base)
        self._prefix = self._base.rstrip("/") + "/"

    def display(self, path: Path | str) -> str:
        text = os.fspath(path)
        if text.startswith(self._prefix):
            return text[len(self._prefix):]
        if text == self._base:
            return "."
        return Path(text).as_posix()

    def _dir_display(self, directory: str) -> str:
        """`display` of a walked directory: already normalized (a resolved root joined with
        listed names), so outside the base it is printed as is, without pathlib."""
        if os.sep == "/" and directory.startswith("/") and not directory.startswith(
                self._prefix) and directory != self._base:
            return directory
        return self.display(directory)

    def add_file(self, path: Path | str, size: int) -> None:
        # the path as packaging sees it (a file reached through an in-root link counts where
        # the link is); walked directories are already resolved
        text = os.fspath(path)
        directory, _, name = text.rpartition("/")
        self.found += 1
        if self.parts == 1 or self._owned or share(name, self.parts) == self.part:
            ships = partial(self.projects.in_package_at, directory or "/")
            scan_file(self.scanner, _Job(text, self.display(text), ships, size), self.out)

    def link_outside(self, path: Path, target: str) -> None:
        if not self._records:
            return  # recorded by another process
        display = self.display(path)
        self.out.findings.append(self.scanner.finding(
            SYMLINK_OUTSIDE_ROOT, Location(display), 0, self.projects.in_package(path),
            message=f"symbolic link to {target} (outside the scanned directory); not followed"))

    def unreadable(self, path: str, message: str) -> None:
        if not self._records:
            return  # recorded by another process
        self.out.findings.append(self.scanner.finding(
            UNREADABLE_FILE, Location(self.display(path)), 0, False, message=message))

    def walk(self, top: Path) -> None:
        contain = os.path.realpath(top)
        st = top.stat()
        self._seen_dirs.add((st.st_dev, st.st_ino))
        top_path = os.fspath(top)
        stack = [(top_path, False)]
        scanner, out = self.scanner, self.out
        opener, read, close = _open, os.read, os.close  # bound once: the loop runs per file
        while stack:
            current, owned = stack.pop()
            self._owned = owned
            self._records = owned or not self.part
            try:
                with os.scandir(current) as it:
                    entries = list(it)  # in the file system's order: see `others` below
            except OSError as exc:
                self.unreadable(current, f"could not list directory ({os_reason(exc)})")
                continue
            names = [e.name for e in entries]
            if VENV_MARKER in names and current != top_path:
                continue  # a Python virtual environment: installed packages, not yours
            if self._records:  # one process finds each directory's project (and problems)
                self.projects.listed(current, names)
                self.projects.visit(current)
            # the hot loop, once per file: the file type comes with the listing, the size is
            # taken when the file is read, the package verdict only for a file with a finding
            # (in_package_at decides what depends on the directory once)
            rel = self._dir_display(current)
            display = "" if rel == "." else rel.rstrip("/") + "/"
            self.found += len(entries)
            if self.found >= self._large_at:  # before the first file of this listing is read
                self._large()
                out = self.out
                self._records = not self.part
            ships = partial(self.projects.in_package_at, current)  # asked for findings only
            parts, part = (1, 0) if owned else (self.parts, self.part)
            quiet, limit, files, nbytes = scanner.quiet, self._small, 0, 0
            ask = limit + 1
            others = []  # directories, links, special files
            for entry, name in zip(entries, names, strict=True):
                if not entry.is_file(follow_symlinks=False):
                    others.append(entry)
                    continue
                if parts != 1 and hash(name) % parts != part:  # share(), inline
                    continue
                # A small file is read here in one read(2) and, as a rule, found quiet;
                # a large or unreadable one takes scan_file (which streams or reports).
                path, shown, data = entry.path, display + name, None
                try:
                    fd = opener(path, _OPEN_FLAGS)
                    try:
                        data = read(fd, ask)
                    finally:
                        close(fd)
                except OSError:
                    data = None
                if data is None or len(data) > limit:
                    scan_file(scanner, _Job(path, shown, ships, -1), out)
                elif quiet(shown, name, data):
                    files += 1
                    nbytes += len(data)
                else:
                    out.files += 1
                    out.nbytes += len(data)
                    scanner.loud(FileContext(Location(shown), name, ships(name)), data, out)
            out.files += files
            out.nbytes += nbytes
            # In name order, last first (the stack then lists the first name first): which of
            # two links to one directory is walked, and so every path shown below it, must not
            # depend on the file system's order. Files need none: nothing they give depends on
            # the order they are read in.
            others.sort(key=_NAME, reverse=True)
            for entry in others:
                self._entry(entry, contain, stack)

    def _large(self) -> None:
        """The walk has found LARGE_WALK entries: switch the prefilter to its native pass
        and, with a split, fork (the children inherit the compiled matcher)."""
        self._large_at = math.inf
        self.scanner.expect(NATIVE_MIN_BLOBS)
        if self.split is not None and self.split.workers > 1:
            self.part, self.parts = self.split.fork()
            if self.part:
                self.out = Tally()  # what was scanned before the fork is the parent's

    def _entry(self, entry: os.DirEntry[str], contain: str,
               stack: list[tuple[str, bool]]) -> None:
        """A directory, a link or a special file (regular files never get here)."""
        path = entry.path
        try:
            if entry.is_symlink():
                real = os.path.realpath(path)
                if not (real == contain or real.startswith(contain + os.sep)):
                    self.link_outside(Path(path), real)
                    return
                try:
                    st = os.stat(path)  # noqa: PTH116
                except OSError:
                    return  # dangling link inside the root: nothing to read
            else:
                st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            self.unreadable(path, f"could not stat ({os_reason(exc)})")
            return
        if stat.S_ISDIR(st.st_mode):
            if entry.name in CLI_STATE_DIRS:
                for tracked in git_tracked(path):
                    self.add_file(tracked, -1)
                return
            if entry.name in SKIP_DIRS:
                return
            key = (st.st_dev, st.st_ino)
            if key not in self._seen_dirs:  # a link loop or a second link to one dir
                self._seen_dirs.add(key)
                self._push(stack, path, st)
        elif stat.S_ISREG(st.st_mode):
            self.add_file(path, st.st_size)
        # fifos, sockets, devices: never opened (reading a fifo would hang)

    def _push(self, stack: list[tuple[str, bool]], path: str, st: os.stat_result) -> None:
        """A directory to list. Split, a small directory with no subdirectory (a link count of
        2 on ext4, XFS, tmpfs, APFS...; a size of at most SMALL_DIR bytes, a few hundred
        entries on ext4) is listed by one process only, which reads all its files and owns
        whatever it holds; any other directory is listed by every process, each reading its
        share of the files, so one big directory is still read in parallel. Link count and
        size only decide who lists what, never whether a file is read."""
        if self._owned or self.parts == 1:
            stack.append((path, self._owned))
        elif st.st_nlink == 2 and st.st_size <= SMALL_DIR:
            if share(path, self.parts) == self.part:
                stack.append((path, True))
        else:
            stack.append((path, False))

    def collect(self, paths: Sequence[Path]) -> None:
        """Walk or scan every argument (directories, files)."""
        for raw in paths:
            self._owned, self._records = False, not self.part  # an argument is shared
            path = absolute(raw)
            if not path.exists():
                if path.is_symlink():
                    continue  # dangling link passed explicitly: nothing to read
                raise LintUsageError(f"{raw}: no such file or directory")
            if path.is_dir():
                self.walk(Path(os.path.realpath(path)))
            elif path.is_file():
                if self.found + 1 >= self._large_at:  # many files named (pre-commit batches)
                    self._large()
                self.add_file(path, path.stat().st_size)
            # an explicit fifo/socket/device is ignored like in a walk


_NAME = operator.attrgetter("name")


def absolute(p: Path) -> Path:
    p = p.absolute()
    if p.name == "..":
        return Path(os.path.realpath(p))
    return Path(os.path.realpath(p.parent)) / p.name


class Split:
    """Forks a walk into `workers` processes once it has found enough files (always, with an
    explicit --jobs above 1). Every child inherits the walk's state (scanner, the directories
    still to list) through the fork, walks on exactly like the parent, reads its `share` of
    the files and sends back one pickled Tally through a pipe; nothing is pickled on the way
    in. The parent reads its own share meanwhile, then gathers: a child that raised re-raises
    here, a child that died (a signal, no result) is a ScanIncomplete. Fail closed either way."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.jobs = scanner.opts.jobs
        self.workers = self.jobs or (os.cpu_count() or 1)
        self.children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
        self.pipe = -1  # in a child: the write end

    def fork(self) -> tuple[int, int]:
        """(this process's part, parts). The parent is part 0; it returns once per child."""
        import pickle  # noqa: F401 - imported once, before the fork, for every process

        archive.prepare()
        for part in range(1, self.workers):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_end)
                for _, other in self.children:
                    os.close(other)
                self.children = []
                self.pipe = write_end
                return part, self.workers
            os.close(write_end)
            self.children.append((pid, read_end))
        return 0, self.workers

    @property
    def child(self) -> bool:
        return self.pipe >= 0

    def hand_back(self, out: Tally | None, problems: Sequence[str] = (),
                  error: BaseException | None = None) -> NoReturn:
        """In a child: send the share's Tally and project problems (or the error) to the
        parent and exit."""
        import pickle

        code = 0
        try:
            try:
                payload = pickle.dumps((out, list(problems), error))
            except Exception as exc:  # noqa: BLE001 - an unpicklable error: send its type
                payload = pickle.dumps((None, [], ScanIncomplete(
                    f"scan process raised {type(error or exc).__name__}")))
            with os.fdopen(self.pipe, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # noqa: BLE001 - nothing may run the parent's code in a child
            code = 1
        finally:
            os._exit(code)

    def gather(self) -> tuple[Tally, list[str]]:
        """In the parent: every child's Tally, in part order, and their project problems."""
        import pickle

        out, problems = Tally(), []
        try:
            while self.children:
                pid, read_end = self.children[0]
                with os.fdopen(read_end, "rb") as pipe:
                    payload = pipe.read()  # to its end: the child has exited or is exiting
                self.children.pop(0)
                _, status = os.waitpid(pid, 0)
                try:
                    tally, more, error = pickle.loads(payload)  # noqa: S301 - our child's pipe
                except Exception:  # noqa: BLE001 - nothing, or cut short: the child died
                    raise ScanIncomplete(
                        f"a lint process ended without handing back its files "
                        f"({_status(status)}); the scan is incomplete") from None
                if error is not None:
                    raise error
                out.merge(tally)
                problems += more
        finally:
            self.abandon()
        return out, problems

    def abandon(self) -> None:
        """Stop and reap children not gathered (the walk or a child failed)."""
        import signal

        for pid, read_end in self.children:
            with suppress(OSError):
                os.close(read_end)
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.children = []


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def scan_tree(scanner: Scanner, paths: Sequence[Path], base: Path) -> Tally:
    """Walk `paths` and scan every file found, in several processes for a large tree."""
    projects = disk_index()
    split = Split(scanner) if os.name == "posix" else None  # fork: POSIX only
    walker = Walker(scanner, base, projects, split)
    try:
        with _no_gc():
            walker.collect(paths)
    except BaseException as exc:
        if split is not None and split.child:
            split.hand_back(None, (), exc)
        if split is not None:
            split.abandon()
        raise
    if split is not None and split.child:
        split.hand_back(walker.out, projects.problems())
    out, problems = walker.out, list(projects.problems())
    if split is not None:
        theirs, more = split.gather()
        out.merge(theirs)
        problems += more
    out.notes = sorted(out.notes)  # per-file notes: one order whatever the split
    out.notes += sorted(set(problems))
    return out


@contextmanager
def _no_gc() -> Iterator[None]:
    """No cyclic GC while jobs pile up: the walk allocates one record per file and nothing
    here makes reference cycles, so collection passes would only burn time (and, in forked
    workers, touch every inherited page)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
