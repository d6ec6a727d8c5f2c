"""Read each file once as bytes, run the detectors it may interest, recurse into archives,
filter, sort.

Sources: a directory walk (skipping VCS metadata, dependency folders and caches), explicit files
(scanned even where a walk would skip them) or the git index (`staged`). Files above
STREAM_THRESHOLD are fed to the detectors in overlapping chunks, so memory stays bounded.
Every blob first goes through the shared prefilter (prefilter.py): a few fast passes over its
bytes decide which detectors' full scans run, and for ordinary source files that is none.
Large walks are scanned by a fork-based process pool that starts while the walk is running.
Nothing here prints; `scan` returns a LintResult that the CLI reports.
"""

from __future__ import annotations

import gc
import operator
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # imported when a pool starts: a pre-commit run never pays for it
    from concurrent.futures import Future, ProcessPoolExecutor

from generator.errors import LintUsageError
from generator.lint import allow, archive, prefilter, registry
from generator.lint.base import FileContext
from generator.lint.finding import Finding, Hit, Rule, Severity
from generator.lint.project import PROJECT_FILE, ProjectIndex, Reader, disk_index

MIB = 1024 * 1024
STREAM_THRESHOLD = 32 * MIB  # larger files are streamed in chunks
CHUNK = 8 * MIB
FIRST_READ = 64 * 1024  # a walked file's first read(2); most source files fit
OVERLAP = 1 * MIB  # a key split across chunks is seen whole in the next one
PARALLEL_MIN_FILES = 200  # below this a process pool costs more than it saves
PARALLEL_MIN_BYTES = 16 * MIB
TASK_FILES = 256  # files per pool task

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".sf", ".sfdx", ".sfdx-cache", ".localdevserver",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".tox", ".nox",
    ".venv",
})

RULES: tuple[Rule, ...] = (
    Rule(
        id="unreadable-file",
        summary="File that could not be read",
        why="A file that cannot be read cannot be proven free of key material, and it may still "
            "be committed or packaged.",
        fix="Fix the permissions or remove the file; scaffold lint exits 2 until it can read it.",
    ),
    Rule(
        id="symlink-outside-root",
        summary="Symbolic link pointing outside the scanned directory (not followed)",
        why="Packaging reads the file a link points to, wherever it is, so a link can carry a "
            "key (e.g. ~/.ssh/id_rsa) that a scan of the project never sees.",
        fix="Replace the link with the file it points to, or remove it.",
    ),
)


@dataclass(frozen=True, slots=True)
class Options:
    limits: archive.Limits = field(default_factory=archive.Limits)
    stream_threshold: int = STREAM_THRESHOLD
    chunk: int = CHUNK
    overlap: int = OVERLAP
    jobs: int = 0  # 0: automatic (process pool for large trees), 1: serial


@dataclass(frozen=True, slots=True)
class LintResult:
    findings: tuple[Finding, ...]  # unsuppressed, sorted by path, line, rule id
    suppressed: tuple[allow.Suppressed, ...]
    files_scanned: int
    bytes_scanned: int
    notes: tuple[str, ...] = ()  # diagnostics for stderr (never key bytes)

    @property
    def unreadable(self) -> bool:
        """Some input could not be read: the CLI exits 2."""
        return any(f.rule_id == "unreadable-file" for f in self.findings)


@dataclass(slots=True)
class _Out:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[allow.Suppressed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    nbytes: int = 0

    def merge(self, other: _Out) -> None:
        self.findings += other.findings
        self.suppressed += other.suppressed
        self.notes += other.notes
        self.files += other.files
        self.nbytes += other.nbytes


_RULES: dict[str, Rule] | None = None


def _rules() -> dict[str, Rule]:
    global _RULES
    if _RULES is None:
        _RULES = {r.id: r for r in registry.all_rules()}
    return _RULES


def _finding(rule_id: str, path: str, line: int, in_package: bool, *, key_type: str | None = None,
             fp: str = "", detail: str = "", message: str | None = None) -> Finding:
    rule = _rules().get(rule_id) or Rule(rule_id, rule_id, "", "")
    text = message if message is not None else rule.summary
    if key_type and message is None:
        text = f"{text} ({key_type})"
    return Finding(rule_id, path, line, text, key_type, fp, detail, rule.severity, in_package)


# --- one blob -------------------------------------------------------------------------------

_GATE: prefilter.Gate | None = None


def _gate() -> prefilter.Gate:
    """The shared prefilter of the current registry (rebuilt when a test swaps DETECTORS)."""
    global _GATE
    if _GATE is None or _GATE.detectors is not registry.DETECTORS:
        _GATE = prefilter.build(registry.DETECTORS)
    return _GATE


def _hits(ctx: FileContext, data: bytes) -> list[Hit]:
    """Hits of the detectors the shared prefilter selects; most blobs select none."""
    return [hit for detector in _gate().select(ctx, data) for hit in detector.scan(ctx, data)]


def _place(ctx: FileContext, data: bytes, hits: Iterable[Hit], line_base: int, out: _Out,
           limit: int | None = None) -> None:
    """Turn hits into findings with line numbers; apply inline markers while bytes are here."""
    ordered = sorted((h for h in hits if limit is None or h.offset < limit),
                     key=lambda h: h.offset)
    pos, line = 0, line_base
    for hit in ordered:
        offset = max(0, min(hit.offset, len(data)))
        line += data.count(b"\n", pos, offset)
        pos = offset
        finding = _finding(hit.rule_id, ctx.path, line, ctx.in_package, key_type=hit.key_type,
                           fp=hit.fingerprint, detail=hit.detail)
        reason, bare = allow.inline_reason(data, offset, hit.rule_id, hit.fingerprint)
        if reason is not None:
            out.suppressed.append(allow.Suppressed(finding, "inline", reason,
                                                   f"{ctx.path}:{line}"))
            continue
        if bare:
            out.notes.append(f"{ctx.path}:{line}: allow marker for {hit.rule_id} has no reason "
                             "(write `-- <why>`); not suppressed")
        out.findings.append(finding)


def scan_blob(ctx: FileContext, data: bytes, limits: archive.Limits, out: _Out) -> None:
    """Every detector on `data`, then every archive member, recursively (depth-limited)."""
    hits = _hits(ctx, data)
    is_archive = archive.is_archive(data)
    if not hits and not is_archive:
        return  # the common case: nothing to place, nothing to open
    own = _Out()
    _place(ctx, data, hits, 1, own)
    if is_archive:
        inner = _Out()
        if ctx.depth >= limits.max_depth:
            inner.findings.append(_finding(
                "archive-limit", ctx.path, 0, ctx.in_package,
                message=f"archive nested deeper than {limits.max_depth} levels; not opened"))
        else:
            for item in archive.members(data, limits):
                if isinstance(item, archive.ArchiveProblem):
                    where = f"{ctx.path}!{item.name}" if item.name else ctx.path
                    inner.findings.append(_finding(item.rule_id, where, 0, ctx.in_package,
                                                   message=item.message))
                    continue
                name = PurePosixPath(item.name).name or item.name
                sub = FileContext(f"{ctx.path}!{item.name}", name, ctx.in_package, ctx.depth + 1)
                scan_blob(sub, item.data, limits, inner)
        # a stored (uncompressed) member is also visible in the container's raw bytes:
        # report it once, at the member, where it is precise
        seen = {(f.rule_id, f.fingerprint) for f in (*inner.findings,
                                                      *(s.finding for s in inner.suppressed))}
        own.findings = [f for f in own.findings if (f.rule_id, f.fingerprint) not in seen]
        own.merge(inner)
    out.merge(own)


def _scan_stream(ctx: FileContext, read: Callable[[int], bytes], size: int, opts: Options,
                 out: _Out) -> None:
    """Read once: whole when small (or an archive that fits the limits), else in chunks."""
    out.files += 1
    if size <= opts.stream_threshold:
        data = _read_all(read, size)
        out.nbytes += len(data)
        scan_blob(ctx, data, opts.limits, out)
        return
    first = read(opts.chunk + opts.overlap)
    if archive.is_archive(first):
        if size <= opts.limits.max_total_bytes:
            data = first + _read_all(read, size - len(first))
            out.nbytes += len(data)
            scan_blob(ctx, data, opts.limits, out)
            return
        out.findings.append(_finding(
            "archive-limit", ctx.path, 0, ctx.in_package,
            message=f"archive larger than {opts.limits.max_total_bytes} bytes; members not read"))
    out.nbytes += len(first)
    buf, line_base = first, 1
    while True:
        more = read(opts.chunk)
        out.nbytes += len(more)
        last = not more
        own_end = len(buf) if last else len(buf) - opts.overlap
        _place(ctx, buf, _hits(ctx, buf), line_base, out, None if last else own_end)
        if last:
            break
        line_base += buf.count(b"\n", 0, own_end)
        tail = buf[own_end:]
        del buf
        buf = tail + more
        del tail, more


def _read_all(read: Callable[[int], bytes], size: int) -> bytes:
    parts, left = [], size
    while True:
        chunk = read(max(left, 1 << 16))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


# --- files on disk --------------------------------------------------------------------------

class _Job(NamedTuple):
    """One file to scan. A NamedTuple, not a frozen dataclass: one is made per file on the
    walk's serial path and pickled to a worker, and a tuple is several times cheaper at both."""

    path: str  # absolute path to open
    display: str
    in_package: bool
    size: int  # from the walk's stat, or -1: not known yet


def _scan_file(job: _Job, opts: Options, out: _Out) -> None:
    ctx = FileContext(job.display, job.display.rpartition("/")[2], job.in_package)
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
                        _scan_stream(ctx, fh.read, size, opts, out)
                        return
                    data += _read_all(fh.read, size - len(data))
                out.files += 1
                out.nbytes += len(data)
                scan_blob(ctx, data, opts.limits, out)
                return
            _scan_stream(ctx, fh.read, os.fstat(fh.fileno()).st_size, opts, out)
    except OSError as exc:
        out.files += 1
        out.findings.append(_finding("unreadable-file", job.display, 0, job.in_package,
                                     message=f"could not read file ({_os_reason(exc)})"))


def _os_reason(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else type(exc).__name__


def _scan_chunk(jobs: Sequence[_Job], opts: Options) -> _Out:
    """A serial run, or a pool worker's task: files named by path (never their contents)."""
    out = _Out()
    for job in jobs:
        _scan_file(job, opts, out)
    return out


class _Walker:
    """Expands directories into jobs. Paths are plain strings here: pathlib costs more than
    the scan of a typical file."""

    def __init__(self, base: Path, projects: ProjectIndex,
                 poll: Callable[[list[_Job]], None] | None = None) -> None:
        self.base = base
        self.projects = projects
        self.poll = poll  # told after each directory, so scanning can start during the walk
        self.jobs: list[_Job] = []
        self.out = _Out()
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

    def add_file(self, path: Path | str, size: int) -> None:
        # the path as packaging sees it (a file reached through an in-root link counts where
        # the link is); walked directories are already resolved
        text = os.fspath(path)
        directory, _, name = text.rpartition("/")
        self.jobs.append(_Job(text, self.display(text),
                              self.projects.in_package_at(directory or "/", name), size))

    def link_outside(self, path: Path, target: str) -> None:
        display = self.display(path)
        self.out.findings.append(_finding(
            "symlink-outside-root", display, 0, self.projects.in_package(path),
            message=f"symbolic link to {target} (outside the scanned directory); not followed"))

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
                self.out.findings.append(_finding(
                    "unreadable-file", self.display(current), 0, False,
                    message=f"could not list directory ({_os_reason(exc)})"))
                continue
            names = [e.name for e in entries]
            self.projects.listed(current, names)
            # the hot loop, once per file: the file type comes with the listing, the size is
            # taken when the file is read, and the package verdict is cached per directory
            rel = self.display(current)
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
            self.out.findings.append(_finding("unreadable-file", self.display(path), 0, False,
                                              message=f"could not stat ({_os_reason(exc)})"))
            return
        if stat.S_ISDIR(st.st_mode):
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


def _absolute(p: Path) -> Path:
    p = p.absolute()
    if p.name == "..":
        return Path(os.path.realpath(p))
    return Path(os.path.realpath(p.parent)) / p.name


def collect(paths: Sequence[Path], base: Path, projects: ProjectIndex | None = None,
            poll: Callable[[list[_Job]], None] | None = None) -> _Walker:
    """Expand the arguments into file jobs (plus findings for links and unlistable dirs)."""
    walker = _Walker(base, projects or disk_index(), poll)
    for raw in paths:
        path = _absolute(raw)
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


class _Runner:
    """Scans jobs while the walk is still finding them. A small run is scanned serially at the
    end; a large one starts a fork-based process pool as soon as the walk has found enough
    files, and feeds it tasks of TASK_FILES files, so walking and scanning overlap and a
    worker slowed by other load simply takes fewer tasks."""

    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.workers = opts.jobs or (os.cpu_count() or 1)
        self.sent = 0  # jobs handed to the pool so far
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list[Future[_Out]] = []

    def poll(self, jobs: list[_Job]) -> None:
        """Called by the walk after each directory."""
        if self.pool is None and self.workers > 1 and (
                self.opts.jobs > 1 or len(jobs) >= PARALLEL_MIN_FILES):
            self._start()
        if self.pool is not None:
            while len(jobs) - self.sent >= TASK_FILES:
                self._submit(jobs[self.sent:self.sent + TASK_FILES])

    def finish(self, jobs: list[_Job]) -> _Out:
        if self.pool is None:
            known = sum(j.size for j in jobs if j.size > 0)
            small = len(jobs) < PARALLEL_MIN_FILES or (
                known < PARALLEL_MIN_BYTES and all(j.size >= 0 for j in jobs))
            if self.workers <= 1 or (self.opts.jobs == 0 and small):
                return _scan_chunk(jobs, self.opts)
            self._start()
        assert self.pool is not None  # noqa: S101 - for mypy
        # the rest in small tasks, big known files first so they do not finish last
        rest = sorted(jobs[self.sent:], key=lambda j: -j.size)
        for i in range(0, len(rest), TASK_FILES // 4 or 1):
            self._submit(rest[i:i + TASK_FILES // 4 or 1])
        out = _Out()
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

        # fork: workers inherit the imported detectors (and a test's registry)
        self.pool = ProcessPoolExecutor(self.workers, multiprocessing.get_context("fork"))

    def _submit(self, jobs: Sequence[_Job]) -> None:
        assert self.pool is not None  # noqa: S101 - for mypy
        self.futures.append(self.pool.submit(_scan_chunk, jobs, self.opts))
        self.sent += len(jobs)


# --- the git index --------------------------------------------------------------------------

def _git(args: Sequence[str], cwd: Path) -> bytes:
    import subprocess  # only --staged runs git

    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise LintUsageError(f"--staged needs git ({_os_reason(exc)})") from None
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
    specs = [os.fspath(_absolute(p)) for p in pathspecs]
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
        return _read_all(read, size)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


def _scan_index(paths: Sequence[Path], base: Path, opts: Options) -> tuple[_Out, Reader]:
    start = _absolute(paths[0]) if paths else base
    start_dir = start if start.is_dir() else start.parent
    top = Path(_git(["rev-parse", "--show-toplevel"], start_dir).decode().strip())
    top = Path(os.path.realpath(top))
    entries = _index_entries(top, paths)
    by_path = {e.path: e for e in entries} if not paths else {
        e.path: e for e in _index_entries(top, [])}
    cat = _CatFile(top)
    out = _Out()

    def index_reader(root: Path) -> Reader:
        def read(rel: str) -> bytes | None:
            try:
                key = (root / rel).relative_to(top).as_posix()
            except ValueError:
                return None
            entry = by_path.get(key)
            return cat.blob(entry.sha) if entry is not None else None
        return read

    def has_project(d: Path) -> bool:
        try:
            return (d / PROJECT_FILE).relative_to(top).as_posix() in by_path
        except ValueError:
            return False

    projects = ProjectIndex(has_project, index_reader)
    walker = _Walker(base, projects)
    try:
        for entry in entries:
            absolute = top / entry.path
            display = walker.display(absolute)
            kind = stat.S_IFMT(entry.mode)
            if kind == stat.S_IFLNK:
                target = cat.blob(entry.sha) or b""
                resolved = os.path.normpath(absolute.parent / os.fsdecode(target))
                if not resolved.startswith(os.fspath(top) + os.sep):
                    walker.link_outside(absolute, os.fsdecode(target))
                continue
            if kind != stat.S_IFREG:
                continue  # gitlinks (submodules) are commits, not content
            in_package = projects.in_package(absolute)
            ctx = FileContext(display, PurePosixPath(entry.path).name, in_package)
            opened = cat.open(entry.sha)
            if opened is None:
                out.files += 1
                out.findings.append(_finding("unreadable-file", display, 0, in_package,
                                             message="blob missing from the git object store"))
                continue
            size, read = opened
            _scan_stream(ctx, read, size, opts, out)
            while read(1 << 20):  # drain whatever a scan did not consume
                pass
        out.merge(walker.out)
        out.notes += projects.problems()
        config_reader = index_reader(base)
        return out, config_reader
    finally:
        cat.close()


# --- entry point ----------------------------------------------------------------------------

def scan(paths: Sequence[Path], base: Path, *, staged: bool = False,
         config: Path | None = None, opts: Options | None = None) -> LintResult:
    """Lint `paths` (files or directories; the git index with `staged`). `base` is the root
    that finding paths are relative to and where `.scaffold-lint.toml` is looked up."""
    opts = opts or Options()
    base = Path(os.path.realpath(base))
    paths = list(paths) or [base]
    if staged:
        out, reader = _scan_index(paths, base, opts)
        config_raw = _read_config(config, base, reader)
    else:
        config_raw = _read_config(config, base, None)
        projects = disk_index()
        runner = _Runner(opts)
        try:
            with _no_gc():
                walker = collect(paths, base, projects, runner.poll)
                out = runner.finish(walker.jobs)
        finally:
            runner.close()
        out.merge(walker.out)
        out.notes += projects.problems()
    entries: tuple[allow.AllowEntry, ...] = ()
    source = os.fspath(config) if config else allow.CONFIG_FILE
    if config_raw is not None:
        entries = allow.load_config(config_raw, _rules().keys(), source)
    kept, hidden, unused = allow.apply_config(_dedupe(out.findings), entries, source)
    out.notes += [f"{source} allow[{n}] matched no finding" for n in unused]
    return LintResult(
        findings=tuple(sorted(kept, key=_order)),
        suppressed=tuple(sorted([*out.suppressed, *hidden], key=lambda s: _order(s.finding))),
        files_scanned=out.files,
        bytes_scanned=out.nbytes,
        notes=tuple(dict.fromkeys(out.notes)),
    )


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


def _read_config(config: Path | None, base: Path, reader: Reader | None) -> bytes | None:
    if config is not None:
        try:
            return config.read_bytes()
        except OSError as exc:
            raise LintUsageError(f"{config}: cannot read config ({_os_reason(exc)})") from None
    if reader is not None:
        raw = reader(allow.CONFIG_FILE)
        if raw is not None:
            return raw
    try:
        return (base / allow.CONFIG_FILE).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LintUsageError(f"{allow.CONFIG_FILE}: cannot read ({_os_reason(exc)})") from None


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


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts
