"""The prefilter's native pass: every detector's TRIGGERS in one Hyperscan database, so a blob
is read once, whatever the number of patterns (see prefilter.py for what a trigger is).

Hyperscan is optional: `compile_triggers` returns None when it is not installed (no wheel for
the platform) or a trigger does not translate, and the prefilter keeps its regexes.

Compiling takes 20-40 ms, a tenth of a large scan; the compiled database is kept in the user's
cache (`cache_dir`), named by a digest of everything that went into it (Hyperscan version,
machine, expressions, ids, flags) and checked by a CRC when read. A database that does not
load (another CPU, a damaged file) is compiled again; a cache that cannot be written is
skipped. Nothing else is ever kept there.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from generator.lint.base import Detector

_LOOKBEHIND = re.compile(rb"(.+?)\(\?<=(.+)\)", re.DOTALL)
_SPECIAL = frozenset(rb"\.^$*+?{}[]()|")


def literal(pattern: bytes) -> bytes | None:
    """The bytes a regex matches when it is a plain (possibly escaped) literal, else None."""
    out, i = bytearray(), 0
    while i < len(pattern):
        c = pattern[i]
        if c == 0x5C:  # backslash: the next byte stands for itself unless it is a class
            if i + 1 >= len(pattern) or chr(pattern[i + 1]).isalnum():
                return None
            out.append(pattern[i + 1])
            i += 2
            continue
        if c in _SPECIAL:
            return None
        out.append(c)
        i += 1
    return bytes(out)


def translate(pattern: bytes) -> bytes:
    """A trigger as Hyperscan takes it. `HEAD(?<=LIT)` with literal HEAD and LIT, LIT ending
    in HEAD (the rare-anchor form) matches exactly where LIT occurs, so it becomes LIT; any
    other lookaround is refused (ValueError); the rest is the same syntax in both engines."""
    m = _LOOKBEHIND.fullmatch(pattern)
    if m is None:
        if b"(?" in pattern:
            raise ValueError(f"trigger {pattern!r}: no Hyperscan form")
        return pattern
    head, body = literal(m.group(1)), literal(m.group(2))
    if head is None or body is None or not body.endswith(head):
        raise ValueError(f"trigger {pattern!r}: the lookbehind is not a literal ending in "
                         "the anchor")
    return m.group(2)


class Matcher:
    """One compiled database: `fired(data, always)` is the set of detector indexes whose
    triggers occur in `data`, plus `always`."""

    def __init__(self, database: Any, stopped: type[BaseException]) -> None:
        self._db = database
        self._stopped = stopped  # what Database.scan raises when a handler ends the scan

    def fired(self, data: bytes, always: frozenset[int]) -> set[int]:
        out = set(always)
        # each detector index is one Hyperscan id with SINGLEMATCH: at most one call per index
        self._db.scan(data, match_event_handler=_collect, context=out)
        return out

    def stopper(self) -> tuple[Callable[[bytes, Callable[..., bool]], None],
                               Callable[..., bool], type[BaseException]]:
        """(scan, stop, Stopped) for the quick test's last step: `scan(data, stop)` returns
        None when no trigger occurs in `data` and raises `Stopped` at the first one (the
        handler ends the scan there). Unpacked once: no call in between per blob."""
        return self._db.scan, _stop, self._stopped


def _collect(index: int, start: int, end: int, flags: int, out: set[int]) -> None:
    del start, end, flags
    out.add(index)


def _stop(index: int, start: int, end: int, flags: int, context: object) -> bool:
    del index, start, end, flags, context
    return True  # end the scan: Database.scan raises ScanTerminated


def compile_triggers(detectors: Sequence[Detector],
                     load: Callable[[], Any] | None = None) -> Matcher | None:
    """A Matcher for the detectors' TRIGGERS, or None without Hyperscan (or an untranslatable
    trigger, or none at all). `load` returns the hyperscan module (tests inject a failure)."""
    try:
        hs = load() if load is not None else _import()
    except ImportError:
        return None
    expressions: list[bytes] = []
    ids: list[int] = []
    try:
        for index, detector in enumerate(detectors):
            for pattern in getattr(detector, "TRIGGERS", None) or ():
                expressions.append(translate(pattern))
                ids.append(index)
    except ValueError:
        return None
    if not expressions:
        return None
    flags = [hs.HS_FLAG_SINGLEMATCH] * len(expressions)
    key = _key(hs, expressions, ids, flags)
    cached = _load(hs, key)
    if cached is not None:
        return Matcher(cached, hs.ScanTerminated)
    database = hs.Database(mode=hs.HS_MODE_BLOCK)
    try:
        database.compile(expressions=expressions, ids=ids, elements=len(expressions),
                         flags=flags)
    except hs.error:
        return None
    _store(hs, key, database)
    return Matcher(database, hs.ScanTerminated)


def cache_dir() -> Path:
    """$SCAFFOLD_CACHE_DIR, else $XDG_CACHE_HOME/scaffold, else ~/.cache/scaffold."""
    given = os.environ.get("SCAFFOLD_CACHE_DIR")
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "scaffold"


def _key(hs: Any, expressions: list[bytes], ids: list[int], flags: list[int]) -> bytes:
    """Everything the database depends on; stored in the file and compared whole on load."""
    import platform  # a large scan only (~5 ms)

    return repr((getattr(hs, "__version__", "?"), platform.machine(), expressions, ids,
                 flags)).encode()


def _path(key: bytes) -> Path:
    return cache_dir() / f"prefilter-{zlib.crc32(key):08x}{zlib.adler32(key):08x}.hsdb"


def _load(hs: Any, key: bytes) -> Any | None:
    try:
        raw = _path(key).read_bytes()
    except (OSError, RuntimeError):  # no cache yet, or no home directory
        return None
    stored = raw[16:]
    if raw[:8] != b"%08x" % len(key) or raw[8:16] != b"%08x" % zlib.crc32(stored) or \
            stored[:len(key)] != key:
        return None  # another trigger set under a colliding name, or a damaged file
    body = stored[len(key):]
    try:
        database = hs.loadb(body, hs.HS_MODE_BLOCK)
        database.scratch = hs.Scratch(database)
    except hs.error:
        return None
    return database


def _store(hs: Any, key: bytes, database: Any) -> None:
    """File: length of the key (8 hex digits), CRC-32 of the rest (8), the key, the database."""
    try:
        stored = key + hs.dumpb(database)
        path = _path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temp.write_bytes(b"%08x%08x" % (len(key), zlib.crc32(stored)) + stored)
        temp.replace(path)
    except (OSError, RuntimeError, hs.error):
        return  # a read-only or missing home: compile next time again


def _import() -> Any:
    import hyperscan

    return hyperscan
