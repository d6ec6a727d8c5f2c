"""Read each file once as bytes, run every detector, recurse into archives, filter, sort.

Sources: a directory walk (skipping VCS metadata, dependency folders and caches), explicit files
(scanned even where a walk would skip them) or the git index (`staged`). Files above
STREAM_THRESHOLD are fed to the detectors in overlapping chunks, so memory stays bounded.
Nothing here prints; `scan` returns a LintResult that the CLI reports.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from generator.errors import LintUsageError
from generator.lint import allow, archive, registry
from generator.lint.base import FileContext
from generator.lint.finding import Finding, Hit, Rule, Severity
from generator.lint.project import PROJECT_FILE, ProjectIndex, Reader, disk_index

MIB = 1024 * 1024
STREAM_THRESHOLD = 32 * MIB  # larger files are streamed in chunks
CHUNK = 8 * MIB
OVERLAP = 1 * MIB  # a key split across chunks is seen whole in the next one
PARALLEL_MIN_FILES = 200  # below this a process pool costs more than it saves
PARALLEL_MIN_BYTES = 16 * MIB

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

def _hits(ctx: FileContext, data: bytes) -> Iterator[Hit]:
    for detector in registry.DETECTORS:
        yield from detector.scan(ctx, data)


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
    own = _Out()
    _place(ctx, data, _hits(ctx, data), 1, own)
    if archive.is_archive(data):
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
    _dedupe_in_place(out)


def _read_all(read: Callable[[int], bytes], size: int) -> bytes:
    parts, left = [], size
    while True:
        chunk = read(max(left, 1 << 16))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _dedupe_in_place(out: _Out) -> None:
    seen: set[tuple[str, str, int, str]] = set()
    kept = []
    for f in out.findings:
        key = (f.path, f.rule_id, f.line, f.fingerprint)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    out.findings = kept


# --- files on disk --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Job:
    path: str  # absolute path to open
    display: str
    in_package: bool
    size: int


def _scan_file(job: _Job, opts: Options) -> _Out:
    out = _Out()
    ctx = FileContext(job.display, PurePosixPath(job.display).name, job.in_package)
    try:
        fh: IO[bytes]
        with open(job.path, "rb") as fh:  # noqa: PTH123 - hot path
            size = os.fstat(fh.fileno()).st_size
            _scan_stream(ctx, fh.read, size, opts, out)
    except OSError as exc:
        out.files += 1
        out.findings.append(_finding("unreadable-file", job.display, 0, job.in_package,
                                     message=f"could not read file ({_os_reason(exc)})"))
    return out


def _os_reason(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else type(exc).__name__


def _scan_chunk(jobs: Sequence[_Job], opts: Options) -> _Out:
    out = _Out()
    for job in jobs:
        out.merge(_scan_file(job, opts))
    return out


class _Walker:
    def __init__(self, base: Path, projects: ProjectIndex) -> None:
        self.base = base
        self.projects = projects
        self.jobs: list[_Job] = []
        self.out = _Out()
        self._seen_dirs: set[tuple[int, int]] = set()

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.base).as_posix()
        except ValueError:
            return path.as_posix()

    def add_file(self, path: Path, size: int) -> None:
        # the path as packaging sees it (a file reached through an in-root link counts where
        # the link is); walked directories are already resolved
        self.jobs.append(_Job(os.fspath(path), self.display(path),
                              self.projects.in_package(path), size))

    def link_outside(self, path: Path, target: str) -> None:
        display = self.display(path)
        self.out.findings.append(_finding(
            "symlink-outside-root", display, 0, self.projects.in_package(path),
            message=f"symbolic link to {target} (outside the scanned directory); not followed"))

    def walk(self, top: Path) -> None:
        contain = Path(os.path.realpath(top))
        st = top.stat()
        self._seen_dirs.add((st.st_dev, st.st_ino))
        stack = [top]
        while stack:
            current = stack.pop()
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name, reverse=True)
            except OSError as exc:
                self.out.findings.append(_finding(
                    "unreadable-file", self.display(current), 0, False,
                    message=f"could not list directory ({_os_reason(exc)})"))
                continue
            for entry in entries:
                self._entry(entry, contain, stack)

    def _entry(self, entry: os.DirEntry[str], contain: Path, stack: list[Path]) -> None:
        path = Path(entry.path)
        try:
            if entry.is_symlink():
                real = os.path.realpath(path)
                if not (real == os.fspath(contain) or real.startswith(os.fspath(contain) + os.sep)):
                    self.link_outside(path, real)
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
            if entry.name in SKIP_DIRS or (path / "pyvenv.cfg").exists():
                return
            key = (st.st_dev, st.st_ino)
            if key not in self._seen_dirs:  # a link loop or a second link to one dir
                self._seen_dirs.add(key)
                stack.append(path)
        elif stat.S_ISREG(st.st_mode):
            self.add_file(path, st.st_size)
        # fifos, sockets, devices: never opened (reading a fifo would hang)


def _absolute(p: Path) -> Path:
    p = p.absolute()
    if p.name == "..":
        return Path(os.path.realpath(p))
    return Path(os.path.realpath(p.parent)) / p.name


def collect(paths: Sequence[Path], base: Path, projects: ProjectIndex | None = None) -> _Walker:
    """Expand the arguments into file jobs (plus findings for links and unlistable dirs)."""
    walker = _Walker(base, projects or disk_index())
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


def _run_jobs(jobs: list[_Job], opts: Options) -> _Out:
    total = sum(j.size for j in jobs)
    workers = opts.jobs or (os.cpu_count() or 1)
    if workers <= 1 or (opts.jobs == 0 and (len(jobs) < PARALLEL_MIN_FILES
                                            or total < PARALLEL_MIN_BYTES)):
        return _scan_chunk(jobs, opts)
    from concurrent.futures import ProcessPoolExecutor  # only large trees pay for it

    # big files first, spread round-robin, so workers finish together
    ordered = sorted(jobs, key=lambda j: -j.size)
    batches = [ordered[i::workers * 4] for i in range(workers * 4)]
    out = _Out()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_scan_chunk, batches, [opts] * len(batches)):
            out.merge(part)
    return out


# --- the git index --------------------------------------------------------------------------

def _git(args: Sequence[str], cwd: Path) -> bytes:
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
        walker = collect(paths, base, projects)
        out = _run_jobs(walker.jobs, opts)
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
