"""Archive members by content magic (zip incl. jar and static resources, gzip, tar).

`members()` opens ONE level; the engine recurses (it tracks depth against `Limits.max_depth`
and names members "jwt.resource!keys/server.pem"). Nothing is silently skipped: an encrypted
member, a corrupt or truncated archive or a bomb becomes an `ArchiveProblem`. Decompression
runs in bounded chunks, so no member ever allocates more than `max_member_bytes` (+ one chunk).
A truncated zip (no central directory) is still salvaged through its local file headers.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, NamedTuple, cast

if TYPE_CHECKING:
    import zipfile

from generator.lint.finding import Rule, Severity

MIB = 1024 * 1024
_CHUNK = MIB
# The ratio limit applies only above this many output bytes: a small file of blanks
# legitimately compresses 1000:1, a bomb needs volume to hurt.
_RATIO_FLOOR = MIB

UNREADABLE = Rule(
    id="archive-unreadable",
    summary="Archive or archive member that could not be read (encrypted, corrupt, truncated)",
    why="A key inside an unreadable archive cannot be ruled out; it still ships.",
    fix="Repair or unencrypt the archive, or remove it if it is not needed.",
    severity=Severity.WARNING,
)
LIMIT = Rule(
    id="archive-limit",
    summary="Archive over the size, ratio or member-count limits (possible zip bomb)",
    why="Members past the limit were not scanned, so a key there cannot be ruled out.",
    fix="Keep archives small, or unpack them into the repository so each file is scanned.",
    severity=Severity.WARNING,
)
RULES: tuple[Rule, ...] = (UNREADABLE, LIMIT)


class Limits(NamedTuple):
    max_member_bytes: int = 64 * MIB
    max_total_bytes: int = 512 * MIB
    max_ratio: int = 200
    max_depth: int = 5
    max_members: int = 20_000


class Member(NamedTuple):
    name: str
    data: bytes


class ArchiveProblem(NamedTuple):
    rule: Rule  # UNREADABLE or LIMIT
    name: str  # member name, "" for the archive as a whole
    message: str


class _Limit(Exception):
    """A limit was hit while reading one member; `fatal` when the whole archive must stop."""

    def __init__(self, message: str, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


_ZIP_HEADS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # local file header, 30 bytes


def _is_tar(data: bytes) -> bool:
    if len(data) < 512:
        return False
    if data[257:262] == b"ustar":
        return True
    field = data[148:156].replace(b"\0", b" ").strip()
    if not field or field.translate(None, b"0123456789_+-"):
        return False  # cannot parse as a number: the usual text file, without an exception
    try:  # pre-POSIX (v7) tar: only the header checksum identifies it
        stored = int(field, 8)
    except ValueError:
        return False
    head = data[:148] + b" " * 8 + data[156:512]
    return data[0] not in (0, 0x20) and stored == sum(head)


def prepare() -> None:
    """Import the zip reader now: a walk about to fork pays for it once, not once per process
    (a large Salesforce tree nearly always holds a zip static resource; a tar is rare, and
    tarfile, which imports shutil, bz2 and lzma, is left to the process that meets one)."""
    import zipfile  # noqa: F401

    _fast_inflate()


# What `is_archive` can accept, as regexes matched at the start of a blob (the walk's quick
# test folds them into one match): zip, gzip and ustar exactly; a pre-POSIX tar only by a
# checksum field (offset 148) of nothing but digits, signs and blanks, which ordinary text
# also has now and then, so `is_archive` decides there.
ARCHIVE_HEAD = rb"PK\x03\x04|PK\x05\x06|PK\x07\x08|\x1f\x8b|(?s:(?=.{512}).{257})ustar"
TAR_V7_HEAD = rb"(?s:(?=.{512}).{148})(?=[\x00\s0-9_+\-]{8})[\x00\s]{0,7}[0-9_+\-]"


def maybe_archive(data: bytes) -> bool:
    """A superset of `is_archive` in one regex match (ARCHIVE_HEAD or TAR_V7_HEAD), the test
    the quick test folds in (compiled on first use: a scan itself never calls this)."""
    return re.match(ARCHIVE_HEAD + b"|" + TAR_V7_HEAD, data) is not None


def is_archive(data: bytes) -> bool:
    """zip (jar, static resource), gzip or tar, by content magic only."""
    return data[:4] in _ZIP_HEADS or data[:2] == b"\x1f\x8b" or _is_tar(data)


def members(data: bytes, limits: Limits) -> Iterator[Member | ArchiveProblem]:
    """Members of ONE archive level, each as bytes, or the problems that stopped reading."""
    try:
        if data[:4] in _ZIP_HEADS:
            yield from _zip(data, limits)
        elif data[:2] == b"\x1f\x8b":
            yield from _gzip(data, limits)
        elif _is_tar(data):
            yield from _tar(data, limits)
    except Exception as exc:  # noqa: BLE001 - arbitrary bytes: never raise
        yield ArchiveProblem(UNREADABLE, "", f"archive could not be read ({_why(exc)})")


def _why(exc: BaseException) -> str:
    return type(exc).__name__  # never str(exc): it could quote member bytes


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0
        self.count = 0

    def member(self, name: str) -> ArchiveProblem | None:
        self.count += 1
        if self.count > self.limits.max_members:
            return ArchiveProblem(
                LIMIT, name, f"more than {self.limits.max_members} members; rest not read")
        return None

    def read(self, chunks: Iterator[bytes], packed: int) -> bytes:
        """Join decompressed chunks, enforcing member size, total size and ratio as they come."""
        parts: list[bytes] = []  # joined once at the end: one copy, not one per chunk
        size = 0
        cap = self.limits.max_member_bytes
        for chunk in chunks:
            parts.append(chunk)
            size += len(chunk)
            if size > cap:
                raise _Limit(f"member larger than {cap} bytes")
            if self.total + size > self.limits.max_total_bytes:
                raise _Limit(
                    f"archive larger than {self.limits.max_total_bytes} bytes unpacked", fatal=True
                )
            if size > _RATIO_FLOOR and size > self.limits.max_ratio * max(packed, 1):
                raise _Limit(f"compression ratio over {self.limits.max_ratio}:1")
        self.total += size
        return parts[0] if len(parts) == 1 else b"".join(parts)


def _chunks(fh: IO[bytes]) -> Iterator[bytes]:
    while chunk := fh.read(_CHUNK):
        yield chunk


def _zip(data: bytes, limits: Limits) -> Iterator[Member | ArchiveProblem]:
    import zipfile  # only a tree that holds an archive pays for the import

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception as exc:  # noqa: BLE001
        yield ArchiveProblem(
            UNREADABLE,
            "",
            f"zip directory unreadable ({_why(exc)}); salvaged what I could",
        )
        yield from _zip_salvage(data, limits)
        return
    budget = _Budget(limits)
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        if (problem := budget.member(name)) is not None:
            yield problem
            return
        if info.flag_bits & 0x1:
            yield ArchiveProblem(UNREADABLE, name, "encrypted zip member, not scanned")
            continue
        if info.file_size > limits.max_member_bytes:
            yield ArchiveProblem(LIMIT, name, f"declared size {info.file_size} over limit")
            continue
        if info.file_size > _RATIO_FLOOR and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            yield ArchiveProblem(LIMIT, name, "declared compression ratio over limit")
            continue
        try:
            blob = _zip_direct(data, info, budget)
            if blob is None:  # not plain, or something disagrees: zipfile reads it and says why
                with zf.open(info) as fh:
                    blob = budget.read(_chunks(fh), info.compress_size)
        except _Limit as exc:
            yield ArchiveProblem(LIMIT, name, str(exc))
            if exc.fatal:
                return
            continue
        except Exception as exc:  # noqa: BLE001
            yield ArchiveProblem(UNREADABLE, name, f"member unreadable ({_why(exc)})")
            continue
        yield Member(name, blob)


_FLAGS_ZIPFILE_CHECKS = 0x1 | 0x20 | 0x40  # encrypted, patched, strong encryption


def _zip_direct(data: bytes, info: zipfile.ZipInfo, budget: _Budget) -> bytes | None:
    """A stored or deflated member read straight from `data`: one inflate call per MiB,
    without zipfile's file object around it (half the cost of a small member). It yields the
    same bytes in the same 1 MiB pieces as `zf.open(info).read(MIB)` would, so every limit
    applies at the same point. Only a member whose local header, size and CRC agree with the
    directory is returned; for anything else (another method, a flag zipfile checks, a
    mismatch, a corrupt stream) None, and zipfile reads it and raises what it finds."""
    pos = info.header_offset
    if data[pos:pos + 4] != b"PK\x03\x04" or info.flag_bits & _FLAGS_ZIPFILE_CHECKS:
        return None
    if info.compress_type not in (0, 8) or len(data) < pos + _LOCAL.size:
        return None
    (_, _, flags, _, _, _, _, _, _, nlen, xlen) = _LOCAL.unpack_from(data, pos)
    try:
        local = data[pos + 30:pos + 30 + nlen].decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    start = pos + 30 + nlen + xlen
    body = data[start:start + info.compress_size]
    if local != info.orig_filename or len(body) != info.compress_size:
        return None
    if info.compress_type == 0 and info.compress_size != info.file_size:
        return None
    before = budget.total
    inflate, errors = _fast_inflate()
    try:
        blob = budget.read(_pieces(body, info.compress_type == 8, info.file_size, inflate),
                           info.compress_size)
    except errors:
        budget.total = before
        return None
    if len(blob) != info.file_size or zlib.crc32(blob) != info.CRC:
        budget.total = before  # zipfile reads it again and reports the mismatch
        return None
    return blob


@functools.cache
def _fast_inflate() -> tuple[Callable[..., Any], tuple[type[Exception], ...]]:
    """decompressobj and its errors for the direct zip path: ISA-L's (`isal` on PyPI, about 3x
    zlib's inflate speed) where installed, else zlib's. Either gives the same bytes for a valid
    stream, and `_zip_direct` keeps a member only when its CRC matches the directory, so a
    corrupt stream is judged by zipfile (zlib) either way."""
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib.decompressobj, (zlib.error,)
    error = cast("type[Exception]", isal_zlib.error)  # typed as an instance in its stubs
    return isal_zlib.decompressobj, (zlib.error, error)


def _pieces(body: bytes, deflated: bool, size: int,
            inflate: Callable[..., Any]) -> Iterator[bytes]:
    """The first `size` bytes of a member's data in _CHUNK pieces (zipfile's ZipExtFile also
    stops at the declared size)."""
    if not deflated:
        for at in range(0, min(len(body), size), _CHUNK):
            yield body[at:min(at + _CHUNK, size)]
        return
    dec = inflate(-15)
    pending, left = body, size
    while True:  # like ZipExtFile: at least one call (a corrupt stream raises even for 0 bytes)
        out = dec.decompress(pending, _CHUNK)
        if len(out) > left:
            out = out[:left]
        left -= len(out)
        if out:
            yield out
        if left <= 0 or dec.eof or not dec.unconsumed_tail:
            return
        pending = dec.unconsumed_tail


def _zip_salvage(data: bytes, limits: Limits) -> Iterator[Member | ArchiveProblem]:
    """Walk local file headers of a zip whose central directory is missing or broken."""
    budget = _Budget(limits)
    pos = data.find(b"PK\x03\x04")
    while 0 <= pos and pos + _LOCAL.size <= len(data):
        (_, _, flags, method, _, _, _, csize, _, nlen, xlen) = _LOCAL.unpack_from(data, pos)
        name = data[pos + 30 : pos + 30 + nlen].decode("utf-8", "replace")
        start = pos + 30 + nlen + xlen
        nxt = data.find(b"PK\x03\x04", start)
        end = start + csize if csize and not flags & 0x8 else (nxt if nxt >= 0 else len(data))
        body = data[start : min(end, len(data))]
        pos = data.find(b"PK\x03\x04", max(end, start))
        if name.endswith("/"):
            continue
        if (problem := budget.member(name)) is not None:
            yield problem
            return
        if flags & 0x1 or method not in (0, 8):
            yield ArchiveProblem(UNREADABLE, name, "encrypted or unsupported member")
            continue
        try:
            blob = budget.read(_inflate(body, -15, method == 8), len(body))
        except _Limit as exc:
            yield ArchiveProblem(LIMIT, name, str(exc))
            if exc.fatal:
                return
            continue
        yield Member(name, blob)


def _inflate(
    body: bytes, wbits: int, compressed: bool = True, done: list[bool] | None = None
) -> Iterator[bytes]:
    """Bounded-output decompression (raw deflate or gzip); a truncated or corrupt stream ends
    quietly, and `done` (if given) gets True appended when the stream ended properly."""
    if not compressed:
        yield body
        return
    dec = zlib.decompressobj(wbits)
    pending = body
    while pending:
        try:
            out = dec.decompress(pending, _CHUNK)
        except zlib.error:
            return
        yield out
        if dec.eof:
            if wbits > 15 and dec.unused_data[:2] == b"\x1f\x8b":  # multi-member gzip
                pending = dec.unused_data
                dec = zlib.decompressobj(wbits)
                continue
            break
        pending = dec.unconsumed_tail
        if not out and not pending:
            return
    if dec.eof and done is not None:
        done.append(True)


def _gzip_name(data: bytes) -> str:
    """Original file name from the gzip FNAME field, else a neutral name."""
    flags = data[3] if len(data) > 3 else 0
    pos = 10
    if flags & 0x04 and len(data) >= 12:  # FEXTRA
        pos += 2 + int.from_bytes(data[10:12], "little")
    if flags & 0x08:  # FNAME
        end = data.find(b"\0", pos, pos + 1024)
        if end > pos:
            return data[pos:end].decode("latin-1").rsplit("/", 1)[-1]
    return "gunzipped"


def _gzip(data: bytes, limits: Limits) -> Iterator[Member | ArchiveProblem]:
    name = _gzip_name(data)
    done: list[bool] = []
    try:
        blob = _Budget(limits).read(_inflate(data, 31, done=done), len(data))
    except _Limit as exc:
        yield ArchiveProblem(LIMIT, name, str(exc))
        return
    if not done:
        yield ArchiveProblem(UNREADABLE, name, "gzip stream corrupt or truncated")
    yield Member(name, blob)


def _tar(data: bytes, limits: Limits) -> Iterator[Member | ArchiveProblem]:
    import tarfile  # only a tree that holds an archive pays for the import

    budget = _Budget(limits)
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115
    except Exception as exc:  # noqa: BLE001
        yield ArchiveProblem(UNREADABLE, "", f"tar unreadable ({_why(exc)})")
        return
    with tf:
        while True:
            try:
                info = tf.next()
            except Exception as exc:  # noqa: BLE001
                yield ArchiveProblem(UNREADABLE, "", f"tar corrupt ({_why(exc)})")
                return
            if info is None:
                return
            if not info.isfile():
                continue
            if (problem := budget.member(info.name)) is not None:
                yield problem
                return
            if info.size > limits.max_member_bytes:
                yield ArchiveProblem(LIMIT, info.name, f"declared size {info.size} over limit"
                )
                continue
            try:
                fh = tf.extractfile(info)
                if fh is None:
                    continue
                blob = budget.read(_chunks(fh), info.size)
            except _Limit as exc:
                yield ArchiveProblem(LIMIT, info.name, str(exc))
                if exc.fatal:
                    return
                continue
            except Exception as exc:  # noqa: BLE001
                yield ArchiveProblem(UNREADABLE, info.name, f"member unreadable ({_why(exc)})"
                )
                continue
            if len(blob) < info.size:
                yield ArchiveProblem(UNREADABLE, info.name, "tar member truncated")
            yield Member(info.name, blob)
