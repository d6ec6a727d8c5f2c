"""One shared prefilter: which detectors could hit a blob, in a few fast passes over its bytes.

Every detector names its TRIGGERS: byte regexes of which at least one matches wherever it can
find anything (its own `scan` applies the same patterns, so the gate is never narrower). Each
pattern starts with one literal byte, its anchor (a lookbehind lets the rarest byte go first,
as in `KEY(?<=ATE KEY)`). Patterns that share an anchor are compiled into ONE regex per anchor byte:
CPython's `re` skips to a literal first byte in a tight loop (~3 GB/s), whereas one alternation
of everything checks a character set at every byte (~0.1 GB/s). A `memchr` (`bytes.find`) for
the anchor runs first and starts the regex there, so an absent anchor costs almost nothing.

A detector without TRIGGERS (e.g. a test double) always runs; `wants(ctx, data)` adds cheap
checks that no pattern expresses (content magic, UTF-16, a path rule), and its WANTS declares
where those can say yes. `Gate.quiet` tests every declaration at once in a few C-level
operations, then the triggers: the usual file is done without building a context or calling
any `wants`; a blob it does not call quiet goes through `select` as before.

A large scan calls `Gate.use_native()` first: where Hyperscan (`hyperscan` on PyPI) is
installed, every trigger is then compiled into one database and a blob takes ONE pass (several
GB/s) instead of one per anchor. Hyperscan has no lookbehind, so `X(?<=LITERAL)` is given as
LITERAL, which occurs exactly where the lookbehind form matches; any other pattern is given
unchanged. The selection is the same set (tests compare both on every trigger and on corpora);
without Hyperscan, or when a trigger does not translate, the regexes above stay in use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from generator.lint import native
from generator.lint.base import Detector, FileContext, Wants
from generator.lint.views import UTF16_BOMS, UTF16_SAMPLE, is_utf16

_SPECIAL = frozenset(rb"\.^$*+?{}[]()|")
_BOMS = b"|".join(map(re.escape, UTF16_BOMS))  # what `is_utf16` accepts without a NUL byte


class _Group(NamedTuple):
    anchor: bytes  # the literal first byte of every pattern in `regex`
    regex: re.Pattern[bytes]  # anchor(?:(rest0)|(rest1)|...)
    owners: tuple[int, ...]  # detector index of capture group 1, 2, ... (0 unused)
    covers: frozenset[int]  # every detector this group can fire
    alone: tuple[tuple[int, bytes], ...]  # (detector, its patterns of this group as one regex)


def anchor_of(pattern: bytes) -> bytes:
    """The literal first byte of a trigger pattern; ValueError when it has none."""
    if (not pattern or pattern[0] in _SPECIAL or pattern[1:2] in (b"*", b"+", b"?", b"{")
            or re.compile(pattern).groups):
        raise ValueError(f"trigger {pattern!r} must start with a literal byte and use "
                         "no capturing groups")
    return pattern[:1]


class _Quick(NamedTuple):
    """Every detector's WANTS, merged: one head regex, the UTF-16 test, one suffix tuple and one
    path test (substrings of "/" + the lower-cased path)."""

    head: re.Pattern[bytes] | None
    utf16: bool
    suffixes: tuple[str, ...]
    in_path: Callable[[str], bool]


def merge_wants(declared: Sequence[Wants]) -> _Quick:
    heads = [w.head for w in declared if w.head]
    paths = sorted({p for w in declared for p in w.in_path})
    return _Quick(re.compile(b"|".join(b"(?:" + h + b")" for h in heads)) if heads else None,
                  any(w.utf16 for w in declared),
                  tuple(sorted({s for w in declared for s in w.suffixes})),
                  contains_any(tuple(paths)))


def contains_any(needles: tuple[str, ...]) -> Callable[[str], bool]:
    """A test for "one of `needles` occurs in the text": a few `in` tests for up to three (a
    regex alternation checks a character set at every position, 4x slower on a path)."""
    if not needles:
        return _never
    if len(needles) == 1:
        (a,) = needles
        return lambda text: a in text
    if len(needles) == 2:
        a, b = needles
        return lambda text: a in text or b in text
    if len(needles) == 3:
        a, b, c = needles
        return lambda text: a in text or b in text or c in text
    search = re.compile("|".join(map(re.escape, needles))).search
    return lambda text: search(text) is not None


def _never(text: str) -> bool:
    del text
    return False


class Gate:
    """The compiled triggers of one detector tuple (and, once asked for, their native pass)."""

    __slots__ = ("_asked", "always", "detectors", "groups", "native", "quick")

    def __init__(self, detectors: tuple[Detector, ...], groups: tuple[_Group, ...],
                 always: frozenset[int], quick: _Quick | None) -> None:
        self.detectors = detectors
        self.groups = groups
        self.always = always  # detectors without TRIGGERS
        self.quick = quick  # None when a detector declares no WANTS (it may want anything)
        self.native: native.Matcher | None = None  # the native pass, once use_native found it
        self._asked = False

    def use_native(self) -> bool:
        """Compile every trigger into one Hyperscan database (once; about 10 ms) so that `fired`
        makes one pass per blob. False, and nothing changes, without Hyperscan."""
        if not self._asked:
            self._asked = True
            self.native = native.compile_triggers(self.detectors)
        return self.native is not None

    def fired(self, data: bytes) -> set[int]:
        """Indexes of the detectors whose triggers occur in `data`. (Hot: once per file.)"""
        if self.native is not None:
            return self.native.fired(data, self.always)
        return self.fired_re(data)

    def fired_re(self, data: bytes) -> set[int]:
        """`fired` with the per-anchor regexes (the fallback, and the reference)."""
        out = set(self.always)
        for group in self.groups:
            if group.covers <= out:  # every detector this group can fire is already chosen
                continue
            pos = data.find(group.anchor)
            if pos < 0:
                continue
            m = group.regex.search(data, pos)
            if m is None:
                continue
            out.add(group.owners[m.lastindex or 0])
            if not group.covers <= out:
                # Other detectors of this group may match too, also overlapping this match or
                # at its very start (an alternation reports one branch, `finditer` no overlap):
                # each on its own, from here, where the leftmost match of them all begins
                # (rare: this group's anchor pattern occurred at all).
                for index, source in group.alone:
                    if index not in out and re.compile(source).search(data, m.start()):
                        out.add(index)
        return out

    def quiet(self, path: str, name: str, data: bytes) -> bool:
        """True when `select` is sure to choose no detector for this blob: no declared WANTS
        holds and no trigger occurs."""
        return self.quiet_test()(path, name, data)

    def quiet_test(self, loud: Loud | None = None) -> QuietTest:
        """`quiet` as one function with everything it needs bound (hot: once per file, before
        any context is built). `loud`, when given, is (HEAD, MAYBE, CONFIRM): a blob that the
        regex HEAD matches at its start is not quiet, nor one that MAYBE matches there and
        CONFIRM(data) accepts (the Scanner's archive test). Every head is one regex match.
        Build it again after `use_native`."""
        q = self.quick
        if q is None or self.always:
            return _never_quiet
        sure, maybe, confirm = loud or (b"", b"", _no_match)
        heads = [h for h in (sure, q.head.pattern if q.head is not None else b"",
                             _BOMS if q.utf16 else b"") if h]
        pattern = b"|".join(b"(?:" + h + b")" for h in heads) or b"(?!)"
        if maybe:
            pattern += b"|(?P<maybe>" + maybe + b")"
        head = re.compile(pattern).match
        in_path = q.in_path
        # UTF-16 without a BOM: one memchr rules out the usual file, is_utf16 decides the rest
        nul, suffixes = (UTF16_SAMPLE if q.utf16 else 0), q.suffixes
        fired_re = self.fired_re
        scan, stop, stopped = self.native.stopper() if self.native is not None else (
            None, _no_stop, _Never)

        def quiet(path: str, name: str, data: bytes) -> bool:
            m = head(data)
            if ((m is not None and (m.lastgroup != "maybe" or confirm(data)))
                    or (data.find(b"\0", 0, nul) >= 0 and is_utf16(data))
                    or name.lower().endswith(suffixes) or in_path("/" + path.lower())):
                return False
            if scan is None:  # the regexes: the detectors fired, an empty set when none
                return not fired_re(data)
            try:
                scan(data, stop)  # raises `stopped` at the first trigger
            except stopped:
                return False
            return True
        return quiet

    def select(self, ctx: FileContext, data: bytes) -> list[Detector]:
        """The detectors worth running on `data`, in registry order."""
        fired = self.fired(data)
        if not fired:  # the common case: only `wants` can choose
            return [d for d in self.detectors if d.wants(ctx, data)]
        return [d for i, d in enumerate(self.detectors) if i in fired or d.wants(ctx, data)]


QuietTest = Callable[[str, str, bytes], bool]  # (path, name, data) -> quiet
Loud = tuple[bytes, bytes, Callable[[bytes], bool]]  # (sure head, maybe head, confirm)


class _Never(Exception):
    """Raised by nothing: the `stopped` of a quick test without the native pass."""


def _no_stop(*match: object) -> bool:
    del match
    return False


def _never_quiet(path: str, name: str, data: bytes) -> bool:
    del path, name, data
    return False


def _no_match(value: object) -> None:
    del value


def build(detectors: Sequence[Detector]) -> Gate:
    """Group every detector's TRIGGERS by anchor byte into one regex per anchor."""
    by_anchor: dict[bytes, list[tuple[bytes, int]]] = {}
    always: set[int] = set()
    for index, detector in enumerate(detectors):
        triggers: tuple[bytes, ...] | None = getattr(detector, "TRIGGERS", None)
        if triggers is None:
            always.add(index)
            continue
        for pattern in triggers:
            by_anchor.setdefault(anchor_of(pattern), []).append((pattern[1:], index))
    groups = []
    for anchor, rests in by_anchor.items():
        common = _common_literal([rest for rest, _ in rests])
        body = b"|".join(b"(" + rest[len(common):] + b")" for rest, _ in rests)
        regex = re.compile(re.escape(anchor) + common + b"(?:" + body + b")")
        owners = sorted({i for _, i in rests})
        alone = tuple((i, re.escape(anchor) + b"(?:" + b"|".join(
            rest for rest, j in rests if j == i) + b")") for i in owners)
        groups.append(_Group(anchor, regex, (0, *(i for _, i in rests)), frozenset(owners),
                             alone if len(owners) > 1 else ()))
    declared: list[Wants | None] = [getattr(d, "WANTS", None) for d in detectors]
    quick = None if None in declared else merge_wants([w for w in declared if w is not None])
    return Gate(tuple(detectors), tuple(groups), frozenset(always), quick)


def _common_literal(rests: Sequence[bytes]) -> bytes:
    """The longest plain (alphanumeric) prefix all patterns share and none quantifies. Taken
    out of the alternation, it becomes part of the literal prefix `re` skips to, so a shared
    anchor costs one pass instead of one per pattern (`kt(?:y|djE...)` runs at `kty` speed)."""
    n = 0
    shortest = min(rests, key=len)
    while n < len(shortest) and chr(shortest[n]).isalnum() and all(
            r[n] == shortest[n] for r in rests):
        n += 1
    while n and any(r[n:n + 1] in (b"*", b"+", b"?", b"{") for r in rests):
        n -= 1
    return shortest[:n]
