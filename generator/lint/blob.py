"""One blob of bytes through the detectors: the one guarded call site, line numbers, inline
allow markers, archive recursion and chunked streaming of large blobs.

Every source (a directory walk, the git index) hands its blobs to a `Scanner`; the scanner
decides nothing about where bytes come from. A detector that raises is reported as a
`detector-error` finding (detector, file, exception type; never content), which makes the run
exit 2: a crash is never a pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import NamedTuple

from generator.lint import allow, archive
from generator.lint.base import Detector, FileContext
from generator.lint.finding import Finding, Hit, Location, Rule
from generator.lint.result import DETECTOR_ERROR, Suppressed
from generator.lint.ruleset import Registry

MIB = 1024 * 1024
STREAM_THRESHOLD = 32 * MIB  # larger files are streamed in chunks
CHUNK = 8 * MIB
OVERLAP = 1 * MIB  # a key split across chunks is seen whole in the next one
NATIVE_MIN_BLOBS = 200  # from here on the native prefilter's compile (~10 ms) pays for itself


class Options(NamedTuple):
    limits: archive.Limits = archive.Limits()
    stream_threshold: int = STREAM_THRESHOLD
    chunk: int = CHUNK
    overlap: int = OVERLAP
    jobs: int = 0  # 0: automatic (one process per core for a large walk), 1: serial, N: N


class Tally:
    """What one source (or one process of a split walk) found: merged, then finished in
    engine.scan. Mutable; pickled once per forked process."""

    __slots__ = ("files", "findings", "nbytes", "notes", "suppressed")

    def __init__(self, findings: list[Finding] | None = None) -> None:
        self.findings: list[Finding] = findings if findings is not None else []
        self.suppressed: list[Suppressed] = []
        self.notes: list[str] = []
        self.files = 0
        self.nbytes = 0

    def merge(self, other: Tally) -> None:
        self.findings += other.findings
        self.suppressed += other.suppressed
        self.notes += other.notes
        self.files += other.files
        self.nbytes += other.nbytes


def os_reason(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else type(exc).__name__


def read_all(read: Callable[[int], bytes], size: int) -> bytes:
    parts, left = [], size
    while True:
        chunk = read(max(left, 1 << 16))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def detector_name(detector: Detector) -> str:
    name = getattr(detector, "__name__", None) or type(detector).__name__
    return str(name).rpartition(".")[2]


class Scanner:
    """Runs one registry's detectors with one set of options on blobs."""

    def __init__(self, registry: Registry, opts: Options) -> None:
        self.registry = registry
        self.opts = opts
        self._quiet()

    def expect(self, blobs: int) -> None:
        """About `blobs` blobs are coming: when that is many, switch the prefilter to its
        native pass (same selections; the processes of a split walk inherit it through the
        fork)."""
        if blobs >= NATIVE_MIN_BLOBS and self.registry.gate.use_native():
            self._quiet()  # with the native pass bound

    def finding(self, rule: Rule | str, where: Location, line: int, in_package: bool, *,
                key_type: str | None = None, fp: str = "", detail: str = "",
                message: str | None = None) -> Finding:
        """A finding of a registered rule (an unregistered id raises UnknownRuleError)."""
        rule = self.registry.rule(rule if isinstance(rule, str) else rule.id)
        text = message if message is not None else rule.summary
        if key_type and message is None:
            text = f"{text} ({key_type})"
        return Finding(rule.id, where, line, text, key_type, fp, detail, rule.severity,
                       in_package)

    def _quiet(self) -> None:
        """`quiet(path, name, data)`: True when `blob` is sure to find nothing there (the
        prefilter selects no detector, the bytes are no archive). A few C-level tests with
        everything bound; no context is built."""
        self.quiet = self.registry.gate.quiet_test(
            (archive.ARCHIVE_HEAD, archive.TAR_V7_HEAD, archive.is_archive))

    def hits(self, ctx: FileContext, data: bytes) -> tuple[list[Hit], list[Finding]]:
        """THE guarded call site: hits of the detectors the prefilter selects (most blobs
        select none), and a detector-error finding for each detector that raised."""
        hits: list[Hit] = []
        errors: list[Finding] = []
        for detector in self.registry.gate.select(ctx, data):
            try:
                hits.extend(detector.scan(ctx, data))
            except Exception as exc:  # noqa: BLE001 - reported as a finding: exit 2, never a pass
                name = detector_name(detector)
                errors.append(self.finding(
                    DETECTOR_ERROR, ctx.location, 0, ctx.in_package, detail=name,
                    message=f"detector {name} raised {type(exc).__name__}; "
                            "file not fully checked"))
        return hits, errors

    def place(self, ctx: FileContext, data: bytes, hits: Iterable[Hit], line_base: int,
              out: Tally, limit: int | None = None) -> None:
        """Hits become findings with line numbers; inline markers apply while bytes are here."""
        ordered = sorted((h for h in hits if limit is None or h.offset < limit),
                         key=lambda h: h.offset)
        pos, line = 0, line_base
        for hit in ordered:
            offset = max(0, min(hit.offset, len(data)))
            line += data.count(b"\n", pos, offset)
            pos = offset
            finding = self.finding(hit.rule_id, ctx.location, line, ctx.in_package,
                                   key_type=hit.key_type, fp=hit.fingerprint, detail=hit.detail)
            reason, bare = allow.inline_reason(data, offset, hit.rule_id, hit.fingerprint)
            if reason is not None:
                out.suppressed.append(Suppressed(finding, "inline", reason,
                                                 f"{ctx.path}:{line}"))
                continue
            if bare:
                out.notes.append(f"{ctx.path}:{line}: allow marker for {hit.rule_id} has no "
                                 "reason (write `-- <why>`); not suppressed")
            out.findings.append(finding)

    def blob(self, ctx: FileContext, data: bytes, out: Tally) -> None:
        """Every detector on `data`, then every archive member, recursively (depth-limited).
        The quick test first: most blobs (git blobs, archive members) end there."""
        if not self.quiet(ctx.path, ctx.name, data):
            self.loud(ctx, data, out)

    def loud(self, ctx: FileContext, data: bytes, out: Tally) -> None:
        """`blob` for bytes the quick test did not call quiet (the walk tests files itself
        before it builds their context)."""
        hits, errors = self.hits(ctx, data)
        is_archive = archive.is_archive(data)
        if not hits and not errors and not is_archive:
            return  # the common case: nothing to place, nothing to open
        own = Tally(findings=errors)
        self.place(ctx, data, hits, 1, own)
        if is_archive:
            inner = self._members(ctx, data)
            # a stored (uncompressed) member is also visible in the container's raw bytes:
            # report it once, at the member, where it is precise
            seen = {(f.rule_id, f.fingerprint)
                    for f in (*inner.findings, *(s.finding for s in inner.suppressed))}
            own.findings = [f for f in own.findings if (f.rule_id, f.fingerprint) not in seen]
            own.merge(inner)
        out.merge(own)

    def _members(self, ctx: FileContext, data: bytes) -> Tally:
        inner = Tally()
        limits = self.opts.limits
        if ctx.depth >= limits.max_depth:
            inner.findings.append(self.finding(
                archive.LIMIT, ctx.location, 0, ctx.in_package,
                message=f"archive nested deeper than {limits.max_depth} levels; not opened"))
            return inner
        for item in archive.members(data, limits):
            where = ctx.location.inside(item.name)
            if isinstance(item, archive.ArchiveProblem):
                inner.findings.append(self.finding(item.rule, where, 0, ctx.in_package,
                                                   message=item.message))
                continue
            name = PurePosixPath(item.name).name or item.name
            self.blob(FileContext(where, name, ctx.in_package, ctx.depth + 1), item.data, inner)
        return inner

    def stream(self, ctx: FileContext, read: Callable[[int], bytes], size: int,
               out: Tally) -> None:
        """Read once: whole when small (or an archive that fits the limits), else in chunks."""
        opts = self.opts
        out.files += 1
        if size <= opts.stream_threshold:
            data = read_all(read, size)
            out.nbytes += len(data)
            self.blob(ctx, data, out)
            return
        first = read(opts.chunk + opts.overlap)
        if archive.is_archive(first):
            if size <= opts.limits.max_total_bytes:
                data = first + read_all(read, size - len(first))
                out.nbytes += len(data)
                self.blob(ctx, data, out)
                return
            out.findings.append(self.finding(
                archive.LIMIT, ctx.location, 0, ctx.in_package,
                message=f"archive larger than {opts.limits.max_total_bytes} bytes; "
                        "members not read"))
        out.nbytes += len(first)
        self._chunks(ctx, read, first, out)

    def _chunks(self, ctx: FileContext, read: Callable[[int], bytes], first: bytes,
                out: Tally) -> None:
        opts = self.opts
        buf, line_base = first, 1
        while True:
            more = read(opts.chunk)
            out.nbytes += len(more)
            last = not more
            own_end = len(buf) if last else len(buf) - opts.overlap
            hits, errors = self.hits(ctx, buf)
            out.findings += errors
            self.place(ctx, buf, hits, line_base, out, None if last else own_end)
            if last:
                break
            line_base += buf.count(b"\n", 0, own_end)
            tail = buf[own_end:]
            del buf
            buf = tail + more
            del tail, more

