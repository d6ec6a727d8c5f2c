"""The prefilter's native pass: every detector's TRIGGERS in one Hyperscan database, so a blob
is read once, whatever the number of patterns (see prefilter.py for what a trigger is).

Hyperscan is optional: `compile_triggers` returns None when it is not installed (no wheel for
the platform) or a trigger does not translate, and the prefilter keeps its regexes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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

    def __init__(self, database: Any) -> None:
        self._db = database

    def fired(self, data: bytes, always: frozenset[int]) -> set[int]:
        out = set(always)
        # each detector index is one Hyperscan id with SINGLEMATCH: at most one call per index
        self._db.scan(data, match_event_handler=_collect, context=out)
        return out


def _collect(index: int, start: int, end: int, flags: int, out: set[int]) -> None:
    del start, end, flags
    out.add(index)


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
    database = hs.Database(mode=hs.HS_MODE_BLOCK)
    try:
        database.compile(expressions=expressions, ids=ids, elements=len(expressions),
                         flags=[hs.HS_FLAG_SINGLEMATCH] * len(expressions))
    except hs.error:
        return None
    return Matcher(database)


def _import() -> Any:
    import hyperscan

    return hyperscan
