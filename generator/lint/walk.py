"""Sources of blobs on disk: a directory walk (skipping VCS metadata, dependency folders and
caches) or explicit files (scanned even where a walk would skip them), and the process pool
that scans them.

Large walks are scanned by a fork-based process pool that starts while the walk is running; a
worker inherits the parent's Scanner (and so its registry) through the fork, never by pickling.
"""

from __future__ import annotations

import gc
import operator
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # imported when a pool starts: a pre-commit run never pays for it
    from concurrent.futures import Future, ProcessPoolExecutor

from generator.errors import LintUsageError
from generator.lint.base import FileContext
from generator.lint.blob import NATIVE_MIN_BLOBS, Scanner, Tally, os_reason, read_all
from generator.lint.finding import Location
from generator.lint.project import ProjectIndex, disk_index
from generator.lint.result import SYMLINK_OUTSIDE_ROOT, UNREADABLE_FILE

FIRST_READ = 64 * 1024  # a walked file's first read(2); most source files fit
PARALLEL_MIN_FILES = 200  # below this a process pool costs more than it saves
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
TASK_FILES = 256  # files per pool task

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".sfdx-cache", ".localdevserver",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".tox", ".nox",
    ".venv",
})

CLI_STATE_DIRS = frozenset({".sf", ".sfdx"})  # skipped, except what git tracks or has staged


def git_tracked(directory: str) -> list[str]:
    """Regular files under `directory` that git tracks or has staged (absolute paths); none
    outside a git work tree. The Salesforce CLI's state directories are caches, except when
    someone commits its login store: that must be scanned."""
    import subprocess

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
    """One file to scan. A NamedTuple, not a frozen dataclass: one is made per file on the
    walk's serial path and pickled to a worker, and a tuple is several times cheaper at both."""

    path: str  # absolute path to open
    display: str
    in_package: bool
    size: int  # from the walk's stat, or -1: not known yet


def scan_file(scanner: Scanner, job: _Job, out: Tally) -> None:
    opts = scanner.opts
    ctx = FileContext(Location(job.display), job.display.rpartition("/")[2], job.in_package)
    try:
        fh: IO[bytes]
        with open(job.path, "rb", buffering=0) as fh:  # noqa: PTH123 - hot path
            if job.size <= opts.stream_threshold:
                # Most files take one read(2) and no fstat: a regular file's short read is
                # its end. The size from the walk (or a guess) decides how much to ask for.
                guess = min(job.size if job.size >= 0 else FIRST_READ, opts.stream_threshold)
                data = fh.read(guess + 1)
                if len(data) > guess:  # larger than guessed, or grown since the walk
                    size = os.fstat(fh.fileno()).st_size
                    if size > opts.stream_threshold:
                        del data
                        fh.seek(0)
                        scanner.stream(ctx, fh.read, size, out)
                        return
                    data += read_all(fh.read, size - len(data))
                out.files += 1
                out.nbytes += len(data)
                scanner.blob(ctx, data, out)
                return
            scanner.stream(ctx, fh.read, os.fstat(fh.fileno()).st_size, out)
    except OSError as exc:
        out.files += 1
        out.findings.append(scanner.finding(
            UNREADABLE_FILE, Location(job.display), 0, job.in_package,
            message=f"could not read file ({os_reason(exc)})"))


def scan_jobs(scanner: Scanner, jobs: Sequence[_Job]) -> Tally:
    """A serial run: files named by path."""
    out = Tally()
    for job in jobs:
        scan_file(scanner, job, out)
    return out


_WORKER: Scanner | None = None  # set once in each pool worker by _start_worker, never reset


def _start_worker(scanner: Scanner) -> None:
    global _WORKER
    _WORKER = scanner


def _worker_task(jobs: Sequence[_Job]) -> Tally:
    """A pool worker's task: files named by path (never their contents) go in, findings out."""
    assert _WORKER is not None  # noqa: S101 - set by the pool initializer
    return scan_jobs(_WORKER, jobs)


class Walker:
    """Expands directories into jobs. Paths are plain strings here: pathlib costs more than
    the scan of a typical file."""

    def __init__(self, scanner: Scanner, base: Path, projects: ProjectIndex,
                 poll: Callable[[list[_Job]], None] | None = None) -> None:
        self.scanner = scanner
        self.base = base
        self.projects = projects
        self.poll = poll  # told after each directory, so scanning can start during the walk
        self.jobs: list[_Job] = []
        self.out = Tally()
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
        self.jobs.append(_Job(text, self.display(text),
                              self.projects.in_package_at(directory or "/", name), size))

    def link_outside(self, path: Path, target: str) -> None:
        display = self.display(path)
        self.out.findings.append(self.scanner.finding(
            SYMLINK_OUTSIDE_ROOT, Location(display), 0, self.projects.in_package(path),
            message=f"symbolic link to {target} (outside the scanned directory); not followed"))

    def unreadable(self, path: str, message: str) -> None:
        self.out.findings.append(self.scanner.finding(
            UNREADABLE_FILE, Location(self.display(path)), 0, False, message=message))

    def walk(self, top: Path) -> None:
        contain = os.path.realpath(top)
        st = top.stat()
        self._seen_dirs.add((st.st_dev, st.st_ino))
        stack = [os.fspath(top)]
        while stack:
            current = stack.pop()
            try:
                with os.scandir(current) as it:
                    entries = sorted(it, key=_NAME, reverse=True)
            except OSError as exc:
                self.unreadable(current, f"could not list directory ({os_reason(exc)})")
                continue
            names = [e.name for e in entries]
            self.projects.listed(current, names)
            # the hot loop, once per file: the file type comes with the listing, the size is
            # taken when the file is read, and the package verdict is cached per directory
            rel = self._dir_display(current)
            display = "" if rel == "." else rel.rstrip("/") + "/"
            in_package, job, jobs = self.projects.in_package_at, _Job, self.jobs
            for entry, name in zip(entries, names, strict=True):
                if entry.is_file(follow_symlinks=False):
                    jobs.append(job(entry.path, display + name, in_package(current, name), -1))
                else:
                    self._entry(entry, contain, stack)
            if self.poll is not None:
                self.poll(self.jobs)

    def _entry(self, entry: os.DirEntry[str], contain: str, stack: list[str]) -> None:
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
            if entry.name in SKIP_DIRS or os.path.exists(path + "/pyvenv.cfg"):  # noqa: PTH110
                return
            key = (st.st_dev, st.st_ino)
            if key not in self._seen_dirs:  # a link loop or a second link to one dir
                self._seen_dirs.add(key)
                stack.append(path)
        elif stat.S_ISREG(st.st_mode):
            self.add_file(path, st.st_size)
        # fifos, sockets, devices: never opened (reading a fifo would hang)


_NAME = operator.attrgetter("name")


def absolute(p: Path) -> Path:
    p = p.absolute()
    if p.name == "..":
        return Path(os.path.realpath(p))
    return Path(os.path.realpath(p.parent)) / p.name


def collect(scanner: Scanner, paths: Sequence[Path], base: Path,
            projects: ProjectIndex | None = None,
            poll: Callable[[list[_Job]], None] | None = None) -> Walker:
    """Expand the arguments into file jobs (plus findings for links and unlistable dirs)."""
    walker = Walker(scanner, base, projects or disk_index(), poll)
    for raw in paths:
        path = absolute(raw)
        if not path.exists():
            if path.is_symlink():
                continue  # dangling link passed explicitly: nothing to read
            raise LintUsageError(f"{raw}: no such file or directory")
        if path.is_dir():
            walker.walk(Path(os.path.realpath(path)))
        elif path.is_file():
            walker.add_file(path, path.stat().st_size)
        # an explicit fifo/socket/device is ignored like in a walk
    return walker


class Runner:
    """Scans jobs while the walk is still finding them. A small run is scanned serially at the
    end; a large one starts a fork-based process pool as soon as the walk has found enough
    files, and feeds it tasks of TASK_FILES files, so walking and scanning overlap and a
    worker slowed by other load simply takes fewer tasks."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.opts = scanner.opts
        self.workers = self.opts.jobs or (os.cpu_count() or 1)
        self.sent = 0  # jobs handed to the pool so far
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list[Future[Tally]] = []

    def poll(self, jobs: list[_Job]) -> None:
        """Called by the walk after each directory."""
        if self.pool is None and self.workers > 1 and (
                self.opts.jobs > 1 or len(jobs) >= PARALLEL_MIN_FILES):
            self._start()
        if self.pool is not None:
            while len(jobs) - self.sent >= TASK_FILES:
                self._submit(jobs[self.sent:self.sent + TASK_FILES])

    def finish(self, jobs: list[_Job]) -> Tally:
        if self.pool is None:
            known = sum(j.size for j in jobs if j.size > 0)
            small = len(jobs) < PARALLEL_MIN_FILES or (
                known < PARALLEL_MIN_BYTES and all(j.size >= 0 for j in jobs))
            if self.workers <= 1 or (self.opts.jobs == 0 and small):
                self.scanner.expect(len(jobs))
                return scan_jobs(self.scanner, jobs)
            self._start()
        assert self.pool is not None  # noqa: S101 - for mypy
        # the rest in small tasks, big known files first so they do not finish last
        rest = sorted(jobs[self.sent:], key=lambda j: -j.size)
        for i in range(0, len(rest), TASK_FILES // 4 or 1):
            self._submit(rest[i:i + TASK_FILES // 4 or 1])
        out = Tally()
        for future in self.futures:  # submission order: deterministic notes
            out.merge(future.result())
        return out

    def close(self) -> None:
        """Stop the workers (also when the walk or a worker failed)."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def _start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.scanner.expect(NATIVE_MIN_BLOBS)  # a pool means many files
        # fork: each worker inherits the scanner (detectors, registry) without pickling it
        self.pool = ProcessPoolExecutor(self.workers, multiprocessing.get_context("fork"),
                                        initializer=_start_worker, initargs=(self.scanner,))

    def _submit(self, jobs: Sequence[_Job]) -> None:
        assert self.pool is not None  # noqa: S101 - for mypy
        self.futures.append(self.pool.submit(_worker_task, jobs))
        self.sent += len(jobs)


def scan_tree(scanner: Scanner, paths: Sequence[Path], base: Path) -> Tally:
    """Walk `paths` and scan every file found, overlapping the walk and the pool."""
    projects = disk_index()
    runner = Runner(scanner)
    try:
        with _no_gc():
            walker = collect(scanner, paths, base, projects, runner.poll)
            out = runner.finish(walker.jobs)
    finally:
        runner.close()
    out.merge(walker.out)
    out.notes += projects.problems()
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
